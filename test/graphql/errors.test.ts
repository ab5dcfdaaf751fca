// Typed errors in errors[].extensions, and partial data: one failing field
// is null with its error, its siblings answer.
import t from 'tap'
import { startGateway } from '../helper.js'
import { errorAt, gql } from './gql.js'

t.test('no credentials configured: private fields fail with credentials-missing, public data stands', async t => {
  const gw = await startGateway(t, { key: 'none' })
  gw.sim.clearRequests()
  const reply = await gql(gw, `{
    spot { ticker(symbol: "BTC-USDT") { symbol } }
    spotAccount { balances { currency } orders(symbol: "BTC-USDT") { items { id } } }
    futuresAccount { overview { currency } }
  }`)
  t.equal(reply.status, 200, 'HTTP 200: there is data')
  t.equal(reply.data.spot.ticker.symbol, 'BTC-USDT', 'the public field answered')
  t.same(reply.data.spotAccount, { balances: null, orders: null })
  t.same(reply.data.futuresAccount, { overview: null })
  for (const path of ['spotAccount.balances', 'spotAccount.orders', 'futuresAccount.overview']) {
    t.match(errorAt(reply, path)?.extensions, {
      type: 'urn:kgw:credentials-missing',
      kind: 'credentials-missing',
      title: 'Private endpoint, but the gateway has no KuCoin credentials',
      status: 401,
      code: 'KGW_CREDENTIALS_MISSING',
      requestId: String
    }, path)
  }
  t.equal(gw.sim.requests.filter(r => !r.url.includes('market')).length, 0, 'nothing private was sent to KuCoin')
})

t.test('a KuCoin business error keeps KuCoin\'s code and msg, and only its field fails', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ market: 'spot', path: '/api/v1/accounts', action: { kind: 'code', code: '400007', msg: 'Access denied, require more permission.' } })
  gw.sim.addFault({ market: 'futures', path: '/api/v1/ticker', action: { kind: 'code', code: '429000', msg: 'Too Many Requests' } })
  const reply = await gql(gw, '{ spotAccount { balances { currency } } spot { ticker(symbol: "BTC-USDT") { symbol } } futures { ticker(symbol: "XBTUSDTM") { symbol } } }')
  t.equal(reply.data.spot.ticker.symbol, 'BTC-USDT')
  t.equal(reply.data.spotAccount.balances, null)
  t.match(errorAt(reply, 'spotAccount.balances'), {
    message: /400007/,
    extensions: { type: 'urn:kgw:permission-denied', status: 403, code: '400007', msg: 'Access denied, require more permission.', market: 'spot' }
  })
  t.equal(reply.data.futures.ticker, null)
  t.match(errorAt(reply, 'futures.ticker')?.extensions, { type: 'urn:kgw:rate-limited', status: 429, code: '429000', market: 'futures' })
})

t.test('errors keep their extensions once the query is compiled to JS (its second use)', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const query = '{ spot { ticker(symbol: "NOPE-USDT") { price } stats(symbol: "BTC-USDT") { symbol } } spotAccount { balances { currency } } }'
  const first = await gql(gw, query)
  const second = await gql(gw, query)
  for (const reply of [first, second]) {
    t.equal(reply.data.spot.stats.symbol, 'BTC-USDT')
    t.match(errorAt(reply, 'spot.ticker')?.extensions, { type: 'urn:kgw:invalid-parameter', code: '400100' })
    t.match(errorAt(reply, 'spotAccount.balances')?.extensions, { type: 'urn:kgw:credentials-missing' })
  }
  t.not(first.errors?.[0]?.extensions.requestId, second.errors?.[0]?.extensions.requestId, 'each request its own id')
})

t.test('upstream failures: reset, HTML error page, with partial data', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ market: 'futures', path: '/api/v1/contracts/active', action: { kind: 'reset' } })
  gw.sim.addFault({ market: 'spot', path: '/api/v3/currencies', action: { kind: 'html', status: 502 } })
  gw.sim.addFault({ market: 'spot', path: '/api/v1/status', action: { kind: 'raw', status: 200, body: '{"code":"200000","data":' } })
  const reply = await gql(gw, '{ futures { contracts { symbol } serverTime } spot { currencies { code } status { status } serverTime } }')
  t.equal(reply.status, 200)
  t.equal(reply.data.futures.contracts, null)
  t.type(reply.data.futures.serverTime, 'number', 'the same host still answers other fields')
  t.match(errorAt(reply, 'futures.contracts')?.extensions, { type: 'urn:kgw:upstream-reset', status: 502, code: 'KGW_UPSTREAM_RESET', market: 'futures' })
  t.equal(reply.data.spot.currencies, null)
  t.match(errorAt(reply, 'spot.currencies')?.extensions, { type: 'urn:kgw:upstream-unavailable', status: 503 })
  t.equal(reply.data.spot.status, null)
  t.match(errorAt(reply, 'spot.status')?.extensions, { type: 'urn:kgw:upstream-bad-response', status: 502 })
  t.type(reply.data.spot.serverTime, 'number')
  t.equal(reply.errors?.length, 3, 'one error per failed field')
})

t.test('a malformed query is a bad request before anything runs', async t => {
  const gw = await startGateway(t)
  gw.sim.clearRequests()
  const syntax = await gql(gw, '{ spot { ticker(symbol: "BTC-USDT") { symbol }')
  t.equal(syntax.status, 400)
  t.match(syntax.errors?.[0]?.extensions, { type: 'urn:kgw:bad-request', status: 400 })
  const unknown = await gql(gw, '{ spot { nothing } }')
  t.equal(unknown.status, 400)
  t.match(unknown.errors?.[0], { message: /nothing/, extensions: { type: 'urn:kgw:bad-request' } })
  const decimal = await gql(gw, 'mutation { placeSpotOrder(input: { symbol: "BTC-USDT", side: BUY, price: "1e3", size: "1" }, idempotencyKey: "e-1") { orderId } }')
  t.equal(decimal.status, 400)
  t.match(decimal.errors?.[0], { message: /Decimal/, extensions: { type: 'urn:kgw:bad-request' } })
  t.same(gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')), [], 'KuCoin saw nothing')
})

import t from 'tap'
import type { SimKey } from '../../src/simulator/index.js'
import { seen, startGateway } from '../helper.js'

const PERMS = ['General', 'Spot', 'Margin', 'Futures']

for (const version of [1, 2, 3] as const) {
  t.test(`a private call is signed and accepted with key version ${version}`, async t => {
    const key: SimKey = { key: `key-v${version}`, secret: `secret-v${version}`, passphrase: `pass-v${version}`, version, permissions: PERMS }
    const gw = await startGateway(t, { key, simulator: { keys: [key], querySigning: 'decoded' } })
    const res = await gw.get('/spot/api/v1/accounts?currency=USDT')
    t.equal(res.status, 200, res.text)
    t.equal(res.json().code, '200000')
    t.ok(Array.isArray(res.json().data))
    const [upstream] = seen(gw.sim, '/api/v1/accounts')
    t.equal(upstream?.headers['kc-api-key'], key.key)
    t.equal(upstream?.headers['kc-api-key-version'], String(version))
    if (version === 1) t.equal(upstream?.headers['kc-api-passphrase'], key.passphrase, 'v1 passphrase in plain text')
    else t.not(upstream?.headers['kc-api-passphrase'], key.passphrase, 'v2/v3 passphrase HMAC\'d')
  })
}

t.test('futures private calls are signed against the futures host', async t => {
  const gw = await startGateway(t)
  const res = await gw.get('/futures/api/v1/account-overview?currency=USDT')
  t.equal(res.status, 200, res.text)
  t.equal(seen(gw.sim, '/api/v1/account-overview')[0]?.market, 'futures')
})

t.test('a public call goes out unsigned', async t => {
  const gw = await startGateway(t)
  const res = await gw.get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
  t.equal(res.status, 200)
  t.match(res.json(), { code: '200000', data: { bestBid: String, bestAsk: String } })
  const [upstream] = seen(gw.sim, '/api/v1/market/orderbook/level1')
  t.same(Object.keys(upstream!.headers).filter(h => h.startsWith('kc-api-')), [])
})

t.test('client-sent credentials and hop-by-hop headers never reach KuCoin', async t => {
  const gw = await startGateway(t)
  const res = await gw.get('/spot/api/v1/accounts', {
    'KC-API-KEY': 'client-key',
    'KC-API-SIGN': 'client-sign',
    'KC-API-PASSPHRASE': 'client-pass',
    'KC-API-PARTNER': 'client-partner',
    authorization: 'Bearer client-token',
    cookie: 'session=client',
    'proxy-authorization': 'Basic eA==',
    'x-forwarded-for': '10.0.0.1',
    te: 'trailers',
    'user-agent': 'test-agent/1.0'
  })
  t.equal(res.status, 200, 'the gateway\'s own signature is used')
  const headers = seen(gw.sim, '/api/v1/accounts')[0]!.headers
  t.equal(headers['kc-api-key'], 'kgw-demo-key')
  t.not(headers['kc-api-sign'], 'client-sign')
  t.equal(headers['kc-api-partner'], undefined)
  for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-forwarded-for', 'te']) t.equal(headers[name], undefined, `${name} dropped`)
  t.equal(headers['user-agent'], 'test-agent/1.0', 'harmless headers pass')
})

t.test('path, query and body reach KuCoin exactly as sent', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' }, simulator: { querySigning: 'decoded' } })
  const query = '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT&z=1&a=%2C'
  t.equal((await gw.get(query)).status, 200)
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level1')[0]?.url, query.slice('/spot'.length), 'order and encoding kept')

  // A placement that names its own clientOid and time window gets nothing added (src/orders/placement-body.ts).
  const body = `{ "clientOid" : "keep-my-spaces", "side":"buy","symbol":"BTC-USDT","type":"limit","price":"1000","size":"0.001", "clientTimestamp": ${Date.now()}, "allowMaxTimeWindow": 60000 }`
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { 'content-type': 'application/json' }, body })
  t.equal(res.status, 200, res.text)
  t.match(res.json(), { code: '200000', data: { clientOid: 'keep-my-spaces' } })
  t.equal(seen(gw.sim, '/api/v1/hf/orders')[0]?.body, body, 'body bytes untouched, and the signature over them accepted')
})

t.test('an encoded query is signed in its decoded form (PROTOCOL §1.3)', async t => {
  const gw = await startGateway(t, { simulator: { querySigning: 'decoded' } })
  const res = await gw.get('/spot/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT')
  t.equal(res.status, 200, res.text)
  t.equal(seen(gw.sim, '/api/v1/trade-fees')[0]?.url, '/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT')
})

t.test('KGW_QUERY_SIGNING=raw signs the query as sent', async t => {
  const strict = await startGateway(t, { env: { KGW_QUERY_SIGNING: 'raw' }, simulator: { querySigning: 'decoded' } })
  const rejected = await strict.get('/spot/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT')
  t.equal(rejected.status, 401, 'a decoded-only server rejects it')
  t.match(rejected.json(), { type: 'urn:kgw:signature-invalid', code: '400005' })
  const lenient = await startGateway(t, { env: { KGW_QUERY_SIGNING: 'raw' }, simulator: { querySigning: 'decoded-or-raw' } })
  t.equal((await lenient.get('/spot/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT')).status, 200)
})

t.test('success bodies pass through byte for byte, with rate-limit headers and a request id', async t => {
  const gw = await startGateway(t)
  const viaGateway = await gw.get('/spot/api/v2/symbols', { 'x-request-id': 'trace-123' })
  t.equal(viaGateway.status, 200)
  t.equal(viaGateway.headers['x-request-id'], 'trace-123')
  t.ok(viaGateway.headers['gw-ratelimit-limit'], 'gw-ratelimit-limit passed on')
  t.ok(viaGateway.headers['gw-ratelimit-remaining'])
  t.ok(viaGateway.headers['gw-ratelimit-reset'])
  const direct = await fetch(gw.sim.spotUrl + '/api/v2/symbols')
  t.equal(viaGateway.text, await direct.text(), 'identical body')
  const generated = await gw.get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'generated when absent')
})

t.test('HEAD is served as a GET without a body', async t => {
  const gw = await startGateway(t)
  const res = await gw.call('HEAD', '/spot/api/v1/accounts')
  t.equal(res.status, 200)
  t.equal(res.text, '')
  t.equal(seen(gw.sim, '/api/v1/accounts')[0]?.method, 'GET')
})

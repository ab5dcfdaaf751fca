// Upstream economy: identical calls are made once, within a request and
// across concurrent requests, and many tickers cost one allTickers call.
import t from 'tap'
import { seen, startGateway } from '../helper.js'
import { gql } from './gql.js'

const TICKER = '{ spot { ticker(symbol: "BTC-USDT") { symbol price sequence time } } }'

t.test('100 concurrent identical queries: one upstream call', async t => {
  // A TTL longer than the test, so how the 100 requests happen to interleave cannot matter.
  const gw = await startGateway(t, { key: 'none', env: { KGW_CACHE_TTL_MS: '60000' } })
  gw.sim.clearRequests()
  const before = { ...gw.app.kucoin.shared.stats }
  const replies = await Promise.all(Array.from({ length: 100 }, () => gql(gw, TICKER)))
  t.ok(replies.every(r => r.status === 200 && r.errors === undefined), 'all 100 answered')
  t.equal(new Set(replies.map(r => JSON.stringify(r.data))).size, 1, 'all with the same data')
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level1').length, 1, 'KuCoin got one call')
  const stats = gw.app.kucoin.shared.stats
  t.equal(stats.calls - before.calls, 1)
  t.equal((stats.joined - before.joined) + (stats.cached - before.cached), 99, 'the other 99 joined it in flight or reused it')
})

t.test('identical fields in one request share one call even with the cache off', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_CACHE_TTL_MS: '0' } })
  gw.sim.clearRequests()
  const reply = await gql(gw, '{ spot { a: ticker(symbol: "BTC-USDT") { price } b: ticker(symbol: "BTC-USDT") { price sequence } c: ticker(symbol: "ETH-USDT") { price } } }')
  t.notOk(reply.errors)
  t.equal(reply.data.spot.a.price, reply.data.spot.b.price, 'one answer for both')
  t.same(seen(gw.sim, '/api/v1/market/orderbook/level1').map(r => r.url).sort(),
    ['/api/v1/market/orderbook/level1?symbol=BTC-USDT', '/api/v1/market/orderbook/level1?symbol=ETH-USDT'], 'one call per distinct query')
  gw.sim.clearRequests()
  await gql(gw, TICKER)
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level1').length, 1, 'with the cache off, a later request calls again')
})

t.test('many tickers, one allTickers call: the tickers field and SpotSymbol.stats', async t => {
  // Nothing shared across calls: one call for all the stats fields is the request's own doing.
  const gw = await startGateway(t, { key: 'none', env: { KGW_CACHE_TTL_MS: '0', KGW_SHARE_IN_FLIGHT: 'false' } })
  gw.sim.clearRequests()
  const tickers = await gql(gw, '{ spot { tickers(symbols: ["BTC-USDT", "ETH-USDT", "SOL-USDT", "KCS-USDT", "ETH-BTC"]) { symbol last } } }')
  t.equal(tickers.data.spot.tickers.length, 5)
  t.equal(seen(gw.sim, '/api/v1/market/allTickers').length, 1)
  gw.sim.clearRequests()
  const symbols = await gql(gw, '{ spot { symbols { symbol stats { symbol last high } } } }')
  t.notOk(symbols.errors)
  t.equal(symbols.data.spot.symbols.length, 5)
  t.ok(symbols.data.spot.symbols.every((s: any) => s.stats.symbol === s.symbol), 'each symbol got its own statistics')
  t.equal(seen(gw.sim, '/api/v1/market/allTickers').length, 1, 'five stats fields, one allTickers call')
  t.equal(seen(gw.sim, '/api/v1/market/stats').length, 0, 'no per-symbol calls')
  gw.sim.clearRequests()
  await Promise.all([gql(gw, '{ spot { symbols { stats { last } } } }'), gql(gw, '{ spot { symbols { stats { high } } } }')])
  t.equal(seen(gw.sim, '/api/v1/market/allTickers').length, 2, 'one per request, never another request\'s')
})

t.test('private reads are shared in flight but never cached', async t => {
  const gw = await startGateway(t, { env: { KGW_CACHE_TTL_MS: '60000' } })
  gw.sim.clearRequests()
  await gql(gw, '{ spotAccount { a: balances { currency } b: balances { balance } } }')
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 1, 'one call for both fields')
  await gql(gw, '{ spotAccount { balances { currency } } }')
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 2, 'the next request asks KuCoin again')
})

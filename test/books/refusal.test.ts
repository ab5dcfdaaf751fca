// A book exists only on a level2 topic KuCoin acked: when KuCoin (or the
// upstream budget) refuses the topic, at the subscribe or later at a
// reconnect, every consumer hears KuCoin's error instead of a book that
// never changes. Also: a repeated subscribe is acked only with the book, a
// failed book frees its slot in the client's topic count, and snapshots
// never come from the micro-cache.
import t from 'tap'
import { startGateway, seen } from '../helper.js'
import { gql } from '../graphql/gql.js'
import { scriptedKucoin } from '../ws/kucoin-script.js'
import { connect } from '../ws/ws-client.js'

t.test('beyond the upstream budget: no book, KuCoin\'s 509 over WebSocket, REST and GraphQL', async t => {
  const gw = await startGateway(t, { env: { KGW_UPSTREAM_WS_MAX_CONNECTIONS: '1', KGW_UPSTREAM_WS_MAX_TOPICS: '1', KGW_BOOKS_SNAPSHOT_DELAY_MS: '0' } })
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  t.match(await a.subscribe('/market/ticker:BTC-USDT', 'a1'), { type: 'ack' }, 'the budget is in use')
  const refused = await b.subscribe('/gateway/book:ETH-USDT', 'b1')
  t.match(refused, { id: 'b1', type: 'error', code: 509, data: /exceed max subscription count limitation/ }, 'KuCoin\'s 509, not an ack')
  t.notOk(b.frames.some(f => f.topic === '/gateway/book:ETH-USDT'), 'and no snapshot')

  const rest = await gw.get('/books/spot/ETH-USDT')
  t.equal(rest.status, 429, 'REST: no 200 for a book that cannot be kept')
  t.match(rest.json(), { type: 'urn:kgw:rate-limited', code: '509', msg: /exceed max subscription count limitation/ })
  const q = await gql(gw, '{ spot { book(symbol: "ETH-USDT", depth: 3) { sequence } } }')
  t.match(q.errors, [{ extensions: { code: '509' } }], 'GraphQL: an error')
  t.equal(q.data?.spot?.book ?? null, null)
  t.equal(seen(gw.sim, '/api/v3/market/orderbook/level2').length, 0, 'no snapshot was ever fetched')
})

t.test('refused at a reconnect: the consumer gets KuCoin\'s error with its id, and its topic slot back', async t => {
  const gw = await startGateway(t, { env: { KGW_BOOKS_SNAPSHOT_DELAY_MS: '0', KGW_WS_MAX_TOPICS_PER_CLIENT: '1' } })
  const kucoin = await scriptedKucoin(gw)
  t.teardown(() => kucoin.close())
  const b = await connect(gw.url)
  t.teardown(() => b.close())
  t.match(await b.subscribe('/gateway/book:BTC-USDT', 'b1'), { type: 'ack' })
  await b.waitFor(f => f.topic === '/gateway/book:BTC-USDT' && f.subject === 'snapshot', 15_000)
  // KuCoin delists BTC-USDT, then the connection drops.
  kucoin.refuse.set('/market/level2:BTC-USDT', { code: 404, data: 'topic /market/level2:BTC-USDT is not found' })
  kucoin.dropAll()
  const error = await b.waitFor(f => f.type === 'error', 15_000)
  t.match(error, { id: 'b1', type: 'error', code: 404, data: /topic \/market\/level2:BTC-USDT is not found/, topic: '/gateway/book:BTC-USDT' })
  // One topic per client: the failed book no longer counts.
  t.match(await b.subscribe('/market/ticker:BTC-USDT', 'b2'), { id: 'b2', type: 'ack' }, 'the slot is free again')
})

t.test('the same book subscribed twice: the second ack comes with the book, not before', async t => {
  const gw = await startGateway(t, { env: { KGW_BOOKS_SNAPSHOT_DELAY_MS: '0' } })
  const b = await connect(gw.url)
  t.teardown(() => b.close())
  b.send({ id: 'b1', type: 'subscribe', topic: '/gateway/book:BTC-USDT', response: true })
  b.send({ id: 'b2', type: 'subscribe', topic: '/gateway/book:BTC-USDT', response: true })
  await b.waitFor(f => f.id === 'b2', 15_000)
  await b.waitFor(f => f.subject === 'snapshot', 15_000)
  const at = (p: (f: Record<string, any>) => boolean): number => b.frames.findIndex(p)
  t.ok(at(f => f.id === 'b1' && f.type === 'ack') >= 0, 'the first is acked')
  t.ok(at(f => f.id === 'b2' && f.type === 'ack') > at(f => f.id === 'b1' && f.type === 'ack'), 'the second only with (after) the first')
  t.equal(b.frames.filter(f => f.subject === 'snapshot').length, 1, 'one subscription, one snapshot')
})

t.test('with the micro-cache on, a book snapshot still comes from KuCoin', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_CACHE_TTL_MS: '60000' } })
  const path = '/api/v1/market/orderbook/level2_100'
  t.equal((await gw.get(`/spot${path}?symbol=BTC-USDT`)).status, 200)
  t.equal((await gw.get(`/spot${path}?symbol=BTC-USDT`)).status, 200)
  t.equal(seen(gw.sim, path).length, 1, 'the REST proxy\'s second call came from the cache')
  t.equal((await gw.get('/books/spot/BTC-USDT?depth=1')).status, 200)
  t.equal(seen(gw.sim, path).length, 2, 'the book fetched its own snapshot')
})

t.test('a silent level2 topic: the book\'s consumers get stale, then fresh, naming the book topic', async t => {
  const gw = await startGateway(t, { env: { KGW_BOOKS_SNAPSHOT_DELAY_MS: '0', KGW_WS_STALE_MARKET_MS: '200' } })
  const kucoin = await scriptedKucoin(gw)
  t.teardown(() => kucoin.close())
  const b = await connect(gw.url)
  t.teardown(() => b.close())
  t.match(await b.subscribe('/gateway/book:BTC-USDT', 'b1'), { type: 'ack' })
  // The scripted KuCoin sends nothing: the topic goes silent.
  const stale = await b.waitFor(f => f.type === 'notice' && f.subject === 'stale', 15_000)
  t.match(stale, { data: { market: 'spot', topic: '/gateway/book:BTC-USDT', silentMs: Number } })
  kucoin.push('/market/level2:BTC-USDT', { type: 'message', topic: '/market/level2:BTC-USDT', subject: 'trade.l2update', data: { changes: { bids: [], asks: [] }, sequenceStart: 1, sequenceEnd: 0, symbol: 'BTC-USDT', time: 1 } })
  t.match(await b.waitFor(f => f.type === 'notice' && f.subject === 'fresh', 15_000), { data: { topic: '/gateway/book:BTC-USDT' } })
})

// Subscriptions over graphql-ws on /graphql, served by the WebSocket hub:
// one upstream subscription however many subscribers, every family of
// topics, private access rules, and a subscriber that stops reading.
import t from 'tap'
import { startGateway, type Gateway, type TestContext } from '../helper.js'
import { until } from '../ws/ws-client.js'
import { subscriber, type Subscriber } from './gql.js'

const DECIMAL = /^-?\d+(\.\d+)?$/
const upstreamTopics = (gw: Gateway): string[] => gw.sim.ws.subscriptions().flatMap(c => c.topics)

async function subscribers (t: TestContext, gw: Gateway, n: number): Promise<Subscriber[]> {
  const list: Subscriber[] = []
  for (let i = 0; i < n; i++) list.push(await subscriber(gw))
  t.teardown(() => { for (const s of list) s.close() })
  return list
}

t.test('100 subscribers to one ticker: one upstream subscription, every subscriber gets updates', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const subs = await subscribers(t, gw, 100)
  for (const s of subs) s.subscribe('1', 'subscription { spotTicker(symbol: "BTC-USDT") { symbol price bestBid bestAsk sequence time } }')
  await until(() => subs.every(s => (s.next.get('1')?.length ?? 0) >= 2), 15_000, 'two updates for every subscriber')
  t.same(upstreamTopics(gw), ['/market/ticker:BTC-USDT'], 'KuCoin was asked for the topic once')
  t.equal(gw.sim.ws.connections('spot'), 1, 'on one upstream connection')
  t.equal(gw.app.feeds.spot.hub.stats().subscriptions, 1, 'one hub client for the group')
  t.match(gw.app.graphqlGateway.streams, { open: 100, groups: 1 }, 'one group of 100 subscriptions')
  t.match(subs[0]!.next.get('1')![0], { data: { spotTicker: { symbol: 'BTC-USDT', price: DECIMAL, bestBid: DECIMAL, sequence: /^\d+$/, time: Number } } })
  // Half end their subscription, half just go away: either way the hub lets go.
  subs.forEach((s, i) => { if (i % 2 === 0) s.complete('1'); else s.close() })
  await until(() => gw.app.feeds.spot.hub.stats().subscriptions === 0, 5000, 'the hub released the group')
  t.match(gw.app.graphqlGateway.streams, { open: 0, groups: 0 }, 'the group went with its last subscriber')
})

t.test('trades, order books, candles and the futures ticker', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const [s] = await subscribers(t, gw, 1)
  s!.subscribe('trades', 'subscription { spotTrades(symbol: "BTC-USDT") { sequence tradeId price size side time } }')
  s!.subscribe('book5', 'subscription { spotOrderBook(symbol: "ETH-USDT") { symbol sequence time bids { price size } asks { price size } } }')
  s!.subscribe('book50', 'subscription { spotOrderBook(symbol: "ETH-USDT", depth: TOP_50) { bids { price } } }')
  s!.subscribe('candles', 'subscription { spotCandles(symbol: "SOL-USDT", interval: MIN_1) { time open close high low volume turnover } }')
  s!.subscribe('futures', 'subscription { futuresTicker(symbol: "XBTUSDTM") { symbol sequence price size side bestBid bestAsk time } }')
  await until(() => ['trades', 'book5', 'book50', 'candles', 'futures'].every(id => (s!.next.get(id)?.length ?? 0) > 0), 15_000, 'a message on every subscription')
  t.same(s!.errors.size, 0)
  t.match(s!.next.get('trades')![0].data.spotTrades, { sequence: /^\d+$/, price: DECIMAL, size: DECIMAL, side: /^(BUY|SELL)$/, time: Number })
  const book = s!.next.get('book5')![0].data.spotOrderBook
  t.match(book, { symbol: 'ETH-USDT', sequence: null, time: Number })
  t.equal(book.bids.length, 5)
  t.equal(s!.next.get('book50')![0].data.spotOrderBook.bids.length, 50)
  t.match(s!.next.get('candles')![0].data.spotCandles, { time: Number, open: DECIMAL, volume: DECIMAL })
  t.match(s!.next.get('futures')![0].data.futuresTicker, { symbol: 'XBTUSDTM', price: DECIMAL, size: /^\d+$/ })
  t.same(gw.sim.ws.subscriptions().filter(c => c.market === 'spot').flatMap(c => c.topics).sort(), ['/market/candles:SOL-USDT_1min', '/market/match:BTC-USDT', '/spotMarket/level2Depth50:ETH-USDT', '/spotMarket/level2Depth5:ETH-USDT'])
  t.same(gw.sim.ws.subscriptions().filter(c => c.market === 'futures').flatMap(c => c.topics), ['/contractMarket/ticker:XBTUSDTM'])
})

t.test('private subscriptions need credentials on the gateway', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const [s] = await subscribers(t, gw, 1)
  s!.subscribe('b', 'subscription { balances { currency } }')
  s!.subscribe('o', 'subscription { spotOrders { orderId } }')
  s!.subscribe('bad', 'subscription { spotTicker(symbol: "BTC USDT") { price } }')
  await until(() => s!.errors.size === 3, 5000, 'three refusals')
  t.match(s!.errors.get('b'), [{ extensions: { type: 'urn:kgw:credentials-missing', status: 401 } }])
  t.match(s!.errors.get('o'), [{ extensions: { type: 'urn:kgw:credentials-missing' } }])
  t.match(s!.errors.get('bad'), [{ extensions: { type: 'urn:kgw:bad-request' } }])
  t.same(upstreamTopics(gw), [], 'nothing subscribed upstream')
})

t.test('balance and order events of the account', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const [s] = await subscribers(t, gw, 1)
  s!.subscribe('balances', 'subscription { balances { accountId currency total available hold availableChange holdChange event orderId time } }')
  s!.subscribe('orders', 'subscription { spotOrders(symbol: "BTC-USDT") { type status orderId clientOid symbol side orderType price size time } }')
  s!.subscribe('eth', 'subscription { spotOrders(symbol: "ETH-USDT") { orderId } }')
  await until(() => upstreamTopics(gw).length === 2, 5000, 'private topics subscribed upstream')
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { 'content-type': 'application/json' }, body: '{"clientOid":"sub-1","symbol":"BTC-USDT","side":"buy","type":"limit","price":"1000","size":"0.01"}' })
  const { orderId } = res.json().data
  await until(() => (s!.next.get('orders')?.length ?? 0) >= 2 && (s!.next.get('balances')?.length ?? 0) >= 1, 10_000, 'order and balance events')
  t.match(s!.next.get('orders')!.map(m => m.data.spotOrders), [
    { type: 'received', orderId, clientOid: 'sub-1', symbol: 'BTC-USDT', side: 'BUY', orderType: 'LIMIT', time: Number },
    { type: 'open', status: 'open', price: '1000', size: '0.01' }
  ])
  t.match(s!.next.get('balances')![0].data.balances, { currency: 'USDT', hold: '10', holdChange: '10', event: 'trade.hold', orderId })
  t.notOk(s!.next.has('eth'), 'the other symbol\'s subscriber saw nothing')
})

t.test('a subscriber that stops reading stays bounded and is cut off; others keep receiving', async t => {
  // 60 aliases below: over the default KGW_GRAPHQL_MAX_ALIASES.
  const gw = await startGateway(t, { key: 'none', env: { KGW_WS_SOFT_LIMIT_BYTES: '65536', KGW_WS_HARD_LIMIT_BYTES: '262144', KGW_GRAPHQL_MAX_ALIASES: '100' } })
  const [slow, fast] = await subscribers(t, gw, 2)
  const topic = '/market/match:KCS-USDT'
  // Aliases make each message about 2 KiB, so the paused socket's kernel buffers fill sooner.
  const aliases = Array.from({ length: 60 }, (_, i) => `p${i}: price`).join(' ')
  const query = `subscription { spotTrades(symbol: "KCS-USDT") { sequence price size side time ${aliases} } }`
  slow!.subscribe('t', query)
  fast!.subscribe('t', query)
  await until(() => gw.app.graphqlGateway.streams.open === 2 && upstreamTopics(gw).includes(topic), 5000, 'both subscribed')
  ;(slow!.ws as unknown as { _socket: { pause: () => void } })._socket.pause()
  const stats = gw.app.graphqlGateway.streams
  const padding = 'x'.repeat(4096)
  let sent = 0
  // Until the kernel's socket buffers fill, the paused subscriber's messages still leave; how
  // many that takes depends on the machine, so publish until it is cut off (or give up).
  while (stats.slowConsumers === 0 && sent < 100_000) {
    for (let i = 0; i < 50; i++, sent++) {
      gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'trade.l3match', data: { sequence: String(sent), price: '1.5', size: '2', side: 'buy', time: '1700000000000000000', padding } }))
    }
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  t.equal(stats.slowConsumers, 1, `the paused subscriber was cut off after ${sent} trades`)
  const frameBytes = 4300
  t.ok(stats.maxQueuedBytes <= 262_144 + frameBytes, `its queue never held more than the hard limit (max ${stats.maxQueuedBytes} bytes)`)
  // The simulator's own KCS-USDT trades flow too; the published ones carry a time of their own.
  const published = (): number[] => (fast!.next.get('t') ?? []).map(m => m.data.spotTrades).filter(tr => tr.time === 1_700_000_000_000).map(tr => Number(tr.sequence))
  await until(() => published().length === sent, 30_000, 'the reading subscriber got every trade')
  t.same(published().filter((n, i) => n !== i), [], 'in order, none missing')
  ;(slow!.ws as unknown as { _socket: { resume: () => void } })._socket.resume()
  await until(() => slow!.errors.has('t'), 30_000, 'the slow one reads its backlog')
  t.match(slow!.errors.get('t'), [{ extensions: { type: 'urn:kgw:slow-consumer', closeCode: 4008 } }], 'the slow one got a slow-consumer error')
  t.equal(slow!.ws.readyState, slow!.ws.OPEN, 'on a socket that stays open')
  t.match(gw.app.graphqlGateway.streams, { open: 1, groups: 1 }, 'only the slow one was dropped')
})

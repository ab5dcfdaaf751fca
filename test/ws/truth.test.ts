// Every client knows the real state of each topic it asked for: an ack only
// once KuCoin acked, KuCoin's own error (to exactly the clients that asked)
// otherwise, also when KuCoin refuses a topic at a reconnect, and a notice
// when the upstream cannot even connect. The simulator refuses unknown
// symbols (strict mode); a scripted KuCoin refuses a topic after a reconnect.
import t from 'tap'
import { startGateway, type Gateway } from '../helper.js'
import { subscriber } from '../graphql/gql.js'
import { scriptedKucoin } from './kucoin-script.js'
import { connect, until } from './ws-client.js'

const upstreamTopics = (gw: Gateway): string[] => gw.sim.ws.subscriptions().flatMap(c => c.topics)

async function metric (gw: Gateway, line: string): Promise<number> {
  const text = (await gw.get('/metrics')).text
  const found = text.split('\n').find(l => l.startsWith(line + ' '))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

t.test('a typo symbol: only its subscriber gets KuCoin\'s error, the other keeps its data', async t => {
  const gw = await startGateway(t)
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  t.match(await a.subscribe('/market/ticker:SOL-USDT', 'a1'), { id: 'a1', type: 'ack' })
  await a.waitFor(f => f.topic === '/market/ticker:SOL-USDT')
  const refused = await b.subscribe('/market/ticker:SOLL-USDT', 'b1')
  t.same(refused, { id: 'b1', type: 'error', code: 404, data: 'topic /market/ticker:SOLL-USDT is not found' }, 'KuCoin\'s own error, with the client\'s id')
  t.notOk(b.frames.some(f => f.type === 'ack'), 'never an ack for it')
  t.notOk(a.frames.some(f => f.type === 'error'), 'the other client hears nothing of it')
  const before = a.frames.filter(f => f.topic === '/market/ticker:SOL-USDT').length
  await until(() => a.frames.filter(f => f.topic === '/market/ticker:SOL-USDT').length > before + 3, 10_000, 'more SOL-USDT data')
  t.same(gw.app.feeds.spot.hub.activeTopics(), ['/market/ticker:SOL-USDT'], 'the refused topic left the hub')
  t.equal(await metric(gw, 'kgw_ws_topic_refusals_total{market="spot",reason="not-found"}'), 1, 'counted by reason')

  // A frame naming a good and a bad symbol subscribes nothing, as at KuCoin; a live topic is acked at once.
  t.match(await b.subscribe('/market/ticker:ETH-USDT,SOLL-USDT', 'b2'), { id: 'b2', type: 'error', code: 404 })
  t.notOk(gw.app.feeds.spot.hub.activeTopics().includes('/market/ticker:ETH-USDT'), 'the good half was let go too')
  t.match(await b.subscribe('/market/ticker:SOL-USDT', 'b3'), { id: 'b3', type: 'ack' })
  t.equal(upstreamTopics(gw).filter(topic => topic === '/market/ticker:SOL-USDT').length, 1, 'KuCoin was asked for the live topic once')
})

t.test('the first upstream connect fails: subscribers are told, and acked once KuCoin answers', async t => {
  const gw = await startGateway(t)
  gw.sim.ws.refuseConnections(true)
  const a = await connect(gw.url)
  t.teardown(() => a.close())
  a.send({ id: 'a1', type: 'subscribe', topic: '/market/ticker:BTC-USDT', response: true })
  const notice = await a.waitFor(f => f.type === 'notice' && f.subject === 'upstream.reconnecting', 10_000)
  t.match(notice.data, { market: 'spot', topics: ['/market/ticker:BTC-USDT'], gap: true })
  t.notOk(a.frames.some(f => f.type === 'ack'), 'no ack while KuCoin has not acked')
  gw.sim.ws.refuseConnections(false)
  t.match(await a.waitFor(f => f.id === 'a1', 20_000), { type: 'ack' }, 'the ack comes once KuCoin acks')
  await a.waitFor(f => f.topic === '/market/ticker:BTC-USDT', 10_000)
})

t.test('a topic refused at a reconnect: its subscribers get an error frame, the others keep their data', async t => {
  const gw = await startGateway(t)
  const kucoin = await scriptedKucoin(gw)
  t.teardown(() => kucoin.close())
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  // Different topic families, so they travel in different subscribe frames whatever the batching.
  t.match(await a.subscribe('/market/ticker:BTC-USDT', 'a1'), { type: 'ack' })
  t.match(await b.subscribe('/market/match:XYZ-USDT', 'b1'), { type: 'ack' })
  // KuCoin delists XYZ-USDT, then the connection drops.
  kucoin.refuse.set('/market/match:XYZ-USDT', { code: 404, data: 'topic /market/match:XYZ-USDT is not found' })
  kucoin.dropAll()
  const error = await b.waitFor(f => f.type === 'error', 15_000)
  t.same(error, { id: 'b1', type: 'error', code: 404, data: 'topic /market/match:XYZ-USDT is not found', topic: '/market/match:XYZ-USDT' },
    'the id of the client\'s subscribe, KuCoin\'s code and text, and the topic')
  await until(() => kucoin.held().includes('/market/ticker:BTC-USDT'), 10_000, 'BTC-USDT resubscribed')
  kucoin.push('/market/ticker:BTC-USDT', { type: 'message', topic: '/market/ticker:BTC-USDT', subject: 'trade.ticker', data: { n: 1 } })
  t.match(await a.waitFor(f => f.data?.n === 1), { topic: '/market/ticker:BTC-USDT' }, 'the other client keeps its data')
  t.notOk(a.frames.some(f => f.type === 'error'), 'and hears no error')
  t.same(gw.app.feeds.spot.hub.activeTopics(), ['/market/ticker:BTC-USDT'], 'the refused topic left the hub')
  const ready = (await gw.get('/readyz')).json()
  t.equal(ready.checks.websocket.ready, true, 'the gateway can still serve')
})

t.test('GraphQL: a refused topic ends the subscription with an error, not silence', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const s = await subscriber(gw)
  t.teardown(() => s.close())
  // One after the other: splitting a refused batch is the upstream's business (test/ws/upstream-*.test.ts).
  s.subscribe('good', 'subscription { spotTicker(symbol: "SOL-USDT") { price } }')
  await until(() => (s.next.get('good')?.length ?? 0) > 0, 10_000, 'data on the good subscription')
  s.subscribe('bad', 'subscription { spotTicker(symbol: "SOLL-USDT") { price } }')
  await until(() => s.errors.has('bad'), 10_000, 'an error for the refused topic')
  t.match(s.errors.get('bad'), [{ extensions: { type: 'urn:kgw:unknown-symbol', code: '404', msg: 'topic /market/ticker:SOLL-USDT is not found', topic: '/market/ticker:SOLL-USDT' } }])
  const before = s.next.get('good')!.length
  await until(() => s.next.get('good')!.length > before + 1, 10_000, 'the other subscription keeps its data')
  t.notOk(s.errors.has('good'))
})

t.test('beyond the upstream budget: the client that asked gets KuCoin\'s 509, topics served are untouched', async t => {
  const gw = await startGateway(t, { env: { KGW_UPSTREAM_WS_MAX_CONNECTIONS: '1', KGW_UPSTREAM_WS_MAX_TOPICS: '1' } })
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  t.match(await a.subscribe('/market/ticker:BTC-USDT', 'a1'), { type: 'ack' })
  t.match(await b.subscribe('/market/ticker:ETH-USDT', 'b1'), { id: 'b1', type: 'error', code: 509, data: /exceed max subscription count limitation/ })
  const before = a.frames.filter(f => f.topic === '/market/ticker:BTC-USDT').length
  await until(() => a.frames.filter(f => f.topic === '/market/ticker:BTC-USDT').length > before + 2, 10_000, 'BTC-USDT keeps flowing')
  t.notOk(a.frames.some(f => f.type === 'error'), 'the served client hears nothing of it')
  t.equal(await metric(gw, 'kgw_ws_topic_refusals_total{market="spot",reason="limit"}'), 1, 'counted as limit')
  t.equal((await gw.get('/readyz')).status, 200, 'a full budget does not make the gateway unready')
})

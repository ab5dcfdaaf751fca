// What reaches a client, over real sockets: KuCoin's push aliases (futures
// all-symbol private topics), conflation that never merges two subjects or
// two candles, a cut-off client released at once, and stale/fresh notices.
import t from 'tap'
import { startGateway, type Gateway } from '../helper.js'
import { connect, until, type TestSocket } from './ws-client.js'

const pause = (c: TestSocket): void => (c.ws as unknown as { _socket: { pause: () => void } })._socket.pause()
const resume = (c: TestSocket): void => (c.ws as unknown as { _socket: { resume: () => void } })._socket.resume()
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const PADDING = 'x'.repeat(64 * 1024)

t.test('futures all-symbol private topics deliver the per-symbol pushes', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const all = await connect(gw.url, 'futures', 'private')
  const one = await connect(gw.url, 'futures', 'private')
  t.teardown(() => { all.close(); one.close() })
  t.match(await all.subscribe('/contractMarket/tradeOrders', 'o', true), { type: 'ack' })
  t.match(await all.subscribe('/contract/positionAll', 'p', true), { type: 'ack' })
  t.match(await one.subscribe('/contractMarket/tradeOrders:XBTUSDTM', 'o1', true), { type: 'ack' })
  const res = await gw.call('POST', '/futures/api/v1/orders', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientOid: 'alias-1', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 5 })
  })
  t.equal(res.status, 200, 'order placed')
  const order = await all.waitFor(f => f.topic === '/contractMarket/tradeOrders:XBTUSDTM' && f.data?.type === 'match', 10_000)
  t.match(order.data, { clientOid: 'alias-1', symbol: 'XBTUSDTM' }, 'the all-orders subscriber gets the per-symbol push')
  const position = await all.waitFor(f => f.topic === '/contract/position:XBTUSDTM', 10_000)
  t.match(position, { subject: 'position.change', data: { symbol: 'XBTUSDTM' } }, 'the all-positions subscriber gets the per-symbol push')
  await one.waitFor(f => f.topic === '/contractMarket/tradeOrders:XBTUSDTM' && f.data?.type === 'match', 10_000)
  await sleep(200) // room for a duplicate to show up
  const matches = (c: TestSocket): number => c.frames.filter(f => f.topic === '/contractMarket/tradeOrders:XBTUSDTM' && f.data?.type === 'match').length
  t.same([matches(all), matches(one)], [1, 1], 'each client gets each order event once')
  t.equal(gw.app.feeds.futures.hub.counters.unrouted, 0, 'nothing was dropped as unrouted')
})

/** Publishes padded frames on `topic` until the hub holds frames back for the paused client. */
async function makeSlow (gw: Gateway, market: 'spot' | 'futures', topic: string, frame: (n: number) => object): Promise<void> {
  const hub = gw.app.feeds[market].hub
  for (let n = 0; hub.counters.conflated < 2 && n < 5000; n++) {
    gw.sim.ws.publishRaw(market, topic, JSON.stringify(frame(n)))
    if (n % 10 === 9) await sleep(5)
  }
}

const slowEnv = { KGW_WS_SOFT_LIMIT_BYTES: '1024', KGW_WS_HARD_LIMIT_BYTES: String(1024 * 1024 * 1024) }

t.test('conflation keeps the latest frame of each subject: /contract/instrument', async t => {
  const gw = await startGateway(t, { env: slowEnv, simulator: { ws: { fundingIntervalMs: 3_600_000, instrumentIntervalMs: 3_600_000 } } })
  const slow = await connect(gw.url, 'futures')
  t.teardown(() => slow.ws.terminate())
  const topic = '/contract/instrument:XBTUSDTM'
  t.match(await slow.subscribe(topic), { type: 'ack' })
  pause(slow)
  const mark = (n: number): object => ({ type: 'message', topic, subject: 'mark.index.price', data: { n, markPrice: 1, padding: PADDING } })
  await makeSlow(gw, 'futures', topic, mark)
  t.ok(gw.app.feeds.futures.hub.counters.conflated >= 2, 'the client is slow: frames are being conflated')
  const hub = gw.app.feeds.futures.hub
  const received = hub.counters.received
  t.equal(gw.sim.ws.publishRaw('futures', topic, JSON.stringify({ type: 'message', topic, subject: 'funding.rate', data: { marker: 'funding', fundingRate: 0.0001 } })), 1)
  for (let n = 0; n < 5; n++) gw.sim.ws.publishRaw('futures', topic, JSON.stringify(mark(100_000 + n)))
  resume(slow)
  await slow.waitFor(f => f.data?.n === 100_004, 20_000).catch((error: Error) => {
    // What the gateway saw, so a failure on a loaded machine says where the frames stopped.
    const counters = { ...hub.counters, receivedSincePublish: hub.counters.received - received, lastFramesAtClient: slow.frames.slice(-3).map(f => f.data?.n ?? f.type) }
    throw new Error(`${error.message.slice(0, 200)}... hub: ${JSON.stringify(counters)}`)
  })
  t.ok(slow.frames.some(f => f.data?.marker === 'funding'), 'the funding.rate frame survived the mark.index.price frames after it')
  t.notOk(slow.frames.some(f => f.data?.n === 100_003), 'older frames of the same subject were conflated')
})

t.test('conflation never merges two candles: minute N\'s last update survives minute N+1', async t => {
  const gw = await startGateway(t, { env: slowEnv })
  const slow = await connect(gw.url, 'spot')
  t.teardown(() => slow.ws.terminate())
  const topic = '/market/candles:BTC-USDT_1min'
  t.match(await slow.subscribe(topic), { type: 'ack' })
  pause(slow)
  const candle = (start: number, n: number, padding = ''): object =>
    ({ type: 'message', topic, subject: 'trade.candles.update', data: { symbol: 'BTC-USDT', candles: [String(start), '1', String(n), '1', '1', '1', '1'], time: 1, n, padding } })
  await makeSlow(gw, 'spot', topic, n => candle(1_000_000_000, n, PADDING))
  gw.sim.ws.publishRaw('spot', topic, JSON.stringify(candle(1_000_000_000, 50_000))) // minute N, final
  for (let n = 0; n < 3; n++) gw.sim.ws.publishRaw('spot', topic, JSON.stringify(candle(1_000_000_060, 60_000 + n))) // minute N+1
  resume(slow)
  await slow.waitFor(f => f.data?.n === 60_002, 20_000)
  t.ok(slow.frames.some(f => f.data?.n === 50_000), 'minute N\'s final update arrived')
  const order = slow.frames.filter(f => f.data?.n === 50_000 || f.data?.n === 60_002).map(f => f.data.n as number)
  t.same(order, [50_000, 60_002], 'in order')
})

t.test('frames queued below the socket\'s high-water mark are never held back: no drain would ever release them', async t => {
  // A soft limit under Node's 16 KiB high-water mark: a few small frames in one upstream read pass it,
  // but the socket emits no 'drain' for them. Held back, they would wait for a later frame, maybe forever.
  const gw = await startGateway(t, { env: { KGW_WS_SOFT_LIMIT_BYTES: '1024' }, simulator: { ws: { fundingIntervalMs: 3_600_000, instrumentIntervalMs: 3_600_000 } } })
  const client = await connect(gw.url, 'futures')
  t.teardown(() => client.close())
  const topic = '/contract/instrument:XBTUSDTM'
  t.match(await client.subscribe(topic), { type: 'ack' })
  await client.waitFor(f => f.subject === 'mark.index.price') // the simulator's first push; the next is an hour away
  // Twenty subjects: twenty conflation keys, so holding back would lose nothing but time; the simulator's
  // own instrument pushes are off, so no later frame could come to release them.
  const frame = (i: number): object => ({ type: 'message', topic, subject: `subject.${i}`, data: { n: i, padding: 'x'.repeat(500) } })
  for (let i = 0; i < 20; i++) t.equal(gw.sim.ws.publishRaw('futures', topic, JSON.stringify(frame(i))), 1, `frame ${i} sent by KuCoin`)
  await client.waitFor(f => f.data?.n === 19, 10_000)
  t.same(client.frames.filter(f => f.subject?.startsWith('subject.')).map(f => f.data.n as number), [...Array(20).keys()], 'every frame, in order')
})

t.test('a client cut off for falling behind is released at once, not after ws\'s 30 s close timeout', async t => {
  const gw = await startGateway(t, { env: { KGW_WS_SOFT_LIMIT_BYTES: '262144', KGW_WS_HARD_LIMIT_BYTES: '2097152' } })
  const slow = await connect(gw.url)
  t.teardown(() => slow.ws.terminate())
  const topic = '/market/match:BTC-USDT'
  await slow.subscribe(topic)
  pause(slow)
  const hub = gw.app.feeds.spot.hub
  for (let n = 0; hub.counters.slowDisconnects === 0 && n < 5000; n++) {
    gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'trade.l3match', data: { n, padding: PADDING } }))
    if (n % 10 === 9) await sleep(5)
  }
  t.equal(hub.counters.slowDisconnects, 1, 'the paused client was cut off')
  const cutAt = Date.now()
  const sockets = (gw.app as unknown as { websocketServer: { clients: Set<unknown> } }).websocketServer.clients
  // Generous against a loaded machine, and far below the 30 s a close handshake with a stalled reader waits.
  await until(() => sockets.size === 0, 10_000, 'the server-side socket released')
  t.pass(`released ${Date.now() - cutAt} ms after the cut-off`)
})

t.test('a silent topic: a stale notice past its threshold, a fresh one when data returns', async t => {
  const gw = await startGateway(t, { env: { KGW_WS_STALE_MARKET_MS: '1000' } })
  const a = await connect(gw.url)
  t.teardown(() => a.close())
  const topic = '/market/ticker:BTC-USDT'
  await a.subscribe(topic)
  await a.waitFor(f => f.topic === topic)
  gw.sim.ws.silence(true)
  const stale = await a.waitFor(f => f.type === 'notice' && f.subject === 'stale', 15_000)
  t.match(stale.data, { market: 'spot', topic })
  t.ok(stale.data.silentMs > 1000, `silent ${stale.data.silentMs} ms, past the 1000 ms threshold`)
  const ready = (await gw.get('/readyz')).json()
  t.match(ready.checks.websocket.spot, { stale: 1, oldest: [{ topic, stale: true }] }, '/readyz names the stale topic')
  t.match((await gw.get('/metrics')).text, /kgw_ws_topics_stale\{market="spot"\} 1\n/, 'and the metric counts it')
  const staleAt = a.frames.indexOf(stale)
  gw.sim.ws.silence(false)
  const fresh = await a.waitFor(f => f.type === 'notice' && f.subject === 'fresh', 15_000)
  t.match(fresh.data, { market: 'spot', topic })
  const freshAt = a.frames.indexOf(fresh)
  t.notOk(a.frames.slice(staleAt + 1, freshAt).some(f => f.topic === topic), 'no data between the stale and the fresh notice')
  await until(() => a.frames.slice(freshAt + 1).some(f => f.topic === topic), 5000, 'data after the fresh notice')
  t.equal(a.frames.filter(f => f.subject === 'stale').length, 1, 'one stale notice per silence')
})

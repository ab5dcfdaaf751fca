// Resuming a book stream after a reconnect (within and beyond the replay
// window) and the refusals of /gateway/book topics, over real sockets.
import t from 'tap'
import { startGateway } from '../helper.js'
import { connect, until } from '../ws/ws-client.js'
import { BookConsumer, follow, watch } from './consumer.js'

t.test('resume: within the window the missed changes, marked recovered; beyond it a fresh snapshot', async t => {
  const gw = await startGateway(t, { env: { KGW_BOOKS_REPLAY_FRAMES: '50' } })
  gw.sim.books.record('spot', 'ETH-USDT')
  const first = await watch(gw, 'spot', 'ETH-USDT')
  await until(() => first.consumer.seen.changes >= 3, 20_000, 'some changes')
  first.stop()
  const since = first.consumer.sequence!
  // While nobody listens the book lingers and keeps its window.
  await until(() => (gw.app.books as any).entries.get('spot:ETH-USDT').keeper.sync.sequence > since + 5, 20_000, 'the book moved on')

  const socket = await connect(gw.url)
  t.teardown(() => socket.close())
  const consumer = new BookConsumer(gw.sim, 'spot', 'ETH-USDT')
  consumer.bids = first.consumer.bids
  consumer.asks = first.consumer.asks
  consumer.sequence = since
  const stop = follow(socket, consumer, '/gateway/book:ETH-USDT')
  t.teardown(stop)
  socket.send({ id: 'r', type: 'subscribe', topic: '/gateway/book:ETH-USDT', since: String(since), response: true })
  await until(() => consumer.seen.recoveries.length === 1 && consumer.seen.changes >= 3, 20_000, 'the recovery')
  t.match(consumer.seen.recoveries[0], { recovered: true, since })
  const replayed = socket.frames.filter(f => f.subject === 'changes' && f.recovered === true)
  t.equal(replayed.length, consumer.seen.recoveries[0].frames, 'the replayed frames are marked recovered: true')
  t.ok(replayed.length >= 1)
  t.equal(consumer.seen.snapshots, 0, 'no snapshot was needed')
  t.same(consumer.problems, [], 'the resumed book equals the truth at every step')

  // Far behind the window (or from before the book's last resync): not recovered, a snapshot instead.
  const late = await connect(gw.url)
  t.teardown(() => late.close())
  late.send({ id: 'x', type: 'subscribe', topic: '/gateway/book:ETH-USDT', since: 5, response: true })
  const snapshot = await late.waitFor(f => f.subject === 'snapshot', 20_000)
  t.equal(snapshot.recovered, false)
  t.match(late.frames.find(f => f.subject === 'recovery'), { data: { recovered: false, since: 5 } })
})

t.test('refusals: unknown symbol, bad topic, book limit', async t => {
  const gw = await startGateway(t, { env: { KGW_BOOKS_MAX: '1' } })
  const socket = await connect(gw.url)
  t.teardown(() => socket.close())
  t.match(await socket.subscribe('/gateway/book:NOPE-USDT'), { type: 'error', code: 404 })
  t.match(await socket.subscribe('/gateway/nothing:BTC-USDT'), { type: 'error', code: 404 })
  t.match(await socket.subscribe('/gateway/book:BTC-USDT'), { type: 'ack' })
  t.match(await socket.subscribe('/gateway/book:ETH-USDT'), { type: 'error', code: 509 }, 'over KGW_BOOKS_MAX')
  t.match((await gw.get('/books/spot/ETH-USDT')).json(), { status: 503, type: 'urn:kgw:book-limit-reached' })
  // Unsubscribed, the BTC-USDT book lingers; a new book may take a lingering one's place.
  socket.send({ id: 'u', type: 'unsubscribe', topic: '/gateway/book:BTC-USDT', response: true })
  t.match(await socket.waitFor(f => f.id === 'u'), { type: 'ack' })
  t.match(await socket.subscribe('/gateway/book:ETH-USDT'), { type: 'ack' }, 'the lingering book made room')
  t.same(gw.app.books.held(), { spot: 1, futures: 0 })
})

t.test('futures books are cross-checked against KuCoin\'s sequenced top 5; a disagreement resyncs', async t => {
  const gw = await startGateway(t)
  gw.sim.books.record('futures', 'XBTUSDTM')
  const socket = await connect(gw.url, 'futures')
  t.teardown(() => socket.close())
  const consumer = new BookConsumer(gw.sim, 'futures', 'XBTUSDTM')
  const stop = follow(socket, consumer, '/gateway/book:XBTUSDTM')
  t.teardown(stop)
  t.match(await socket.subscribe('/gateway/book:XBTUSDTM'), { type: 'ack' })
  const keeper = (gw.app.books as any).entries.get('futures:XBTUSDTM').keeper
  await until(() => keeper.counters.crossChecks >= 3, 20_000, 'cross-checks that matched')
  t.equal(consumer.seen.resyncs, 0, 'matching top levels never resync')
  // Hold KuCoin's feed still, then show a top 5 that disagrees at the book's own sequence.
  gw.sim.ws.silence(true)
  await new Promise(resolve => setTimeout(resolve, 300))
  const sequence = keeper.sync.sequence as number
  gw.sim.ws.publishRaw('futures', '/contractMarket/level2Depth5:XBTUSDTM', JSON.stringify({
    topic: '/contractMarket/level2Depth5:XBTUSDTM', type: 'message', subject: 'level2', sn: 1, data: { bids: [['1', 1]], sequence, timestamp: 1, ts: 1, asks: [['2', 1]] }
  }))
  await until(() => consumer.seen.resyncs >= 1, 20_000, 'a resync')
  gw.sim.ws.silence(false)
  await until(() => consumer.seen.snapshots >= 2 && consumer.seen.changes >= 3, 30_000, 'a consistent book again')
  t.same(consumer.problems, [], 'right before and after')
  t.match((await gw.get('/metrics')).text, /kgw_book_resyncs_total\{market="futures",cause="cross-check"\} 1/)
})

// Verified books over real sockets against the simulator: every consumer's
// book equals the simulator's true book (its own recorded history) at every
// sequence it is told about, under dropped, repeated and reordered deltas,
// stale snapshots and upstream drops; resync, resume and the REST answer.
import t from 'tap'
import { startGateway, seen, type Gateway } from '../helper.js'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { BookConsumer } from './consumer.js'

function follow (socket: TestSocket, consumer: BookConsumer, topic: string): () => void {
  let done = 0
  const timer = setInterval(() => {
    const frames = socket.frames
    for (; done < frames.length; done++) if (frames[done]!.topic === topic && frames[done]!.type === 'message') consumer.apply(frames[done] as any)
  }, 5)
  return () => clearInterval(timer)
}

async function watch (gw: Gateway, market: 'spot' | 'futures', symbol: string): Promise<{ socket: TestSocket, consumer: BookConsumer, stop: () => void }> {
  const socket = await connect(gw.url, market)
  const consumer = new BookConsumer(gw.sim, market, symbol)
  const topic = `/gateway/book:${symbol}`
  const stop = follow(socket, consumer, topic)
  const ack = await socket.subscribe(topic)
  if (ack.type !== 'ack') throw new Error(JSON.stringify(ack))
  return { socket, consumer, stop: () => { stop(); socket.close() } }
}

t.test('REST: the verified book at a depth, equal to the true book at its sequence', async t => {
  const gw = await startGateway(t)
  gw.sim.books.record('spot', 'BTC-USDT')
  gw.sim.books.record('futures', 'XBTUSDTM')
  const res = await gw.get('/books/spot/BTC-USDT?depth=5')
  t.equal(res.status, 200)
  const book = res.json()
  t.same(Object.keys(book).sort(), ['ageMs', 'asks', 'bids', 'market', 'sequence', 'symbol', 'time'])
  t.match(book, { market: 'spot', symbol: 'BTC-USDT', sequence: Number, time: Number, ageMs: Number })
  t.equal(book.bids.length, 5)
  t.equal(book.asks.length, 5)
  const truth = gw.sim.books.at('spot', 'BTC-USDT', book.sequence)!
  t.same(book.bids, truth.bids.slice(0, 5), 'bids: the true best five, descending')
  t.same(book.asks, truth.asks.slice(0, 5), 'asks: the true best five, ascending')
  t.ok(Number(book.bids[0][0]) < Number(book.asks[0][0]), 'not crossed')

  const futures = (await gw.get('/books/futures/XBTUSDTM?depth=full')).json()
  const ftruth = gw.sim.books.at('futures', 'XBTUSDTM', futures.sequence)!
  t.same([futures.bids, futures.asks], [ftruth.bids, ftruth.asks], 'the whole futures book, sizes in lots as strings')
  t.equal(seen(gw.sim, '/api/v3/market/orderbook/level2').length, 1, 'the spot book came from the full (signed) snapshot, once')

  const again = (await gw.get('/books/spot/BTC-USDT?depth=1')).json()
  t.ok(again.sequence >= book.sequence, 'later calls answer from the kept book')
  t.equal(seen(gw.sim, '/api/v3/market/orderbook/level2').length, 1, 'no new snapshot for them')

  t.match((await gw.get('/books/spot/BTC-USDT?depth=0')).json(), { status: 400, type: 'urn:kgw:bad-request' })
  t.match((await gw.get('/books/spot/BTC-USDT?depth=abc')).json(), { status: 400, type: 'urn:kgw:bad-request' })
  t.match((await gw.get('/books/options/BTC-USDT')).json(), { status: 404, type: 'urn:kgw:route-not-found' })
  t.match((await gw.get('/books/spot/NOPE-USDT')).json(), { status: 400, code: '400100' }, 'KuCoin\'s refusal of the symbol, typed')
  const metrics = (await gw.get('/metrics')).text
  t.match(metrics, /kgw_books\{market="spot"\} 1/)
  t.match(metrics, /kgw_book_update_latency_seconds_count\{market="spot"\} [1-9]/)
})

t.test('without credentials the spot book comes from the public top 100 and is served only within its range', async t => {
  const gw = await startGateway(t, { key: 'none' })
  gw.sim.books.record('spot', 'ETH-USDT')
  const book = (await gw.get('/books/spot/ETH-USDT?depth=full')).json()
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level2_100').length, 1)
  t.ok(book.bids.length <= 100 && book.bids.length > 40, `bids within the snapshot's range (${book.bids.length})`)
  const truth = gw.sim.books.at('spot', 'ETH-USDT', book.sequence)!
  const lowest = Number(book.bids.at(-1)[0])
  t.same(book.bids, truth.bids.filter(([p]) => Number(p) >= lowest), 'exactly the true bids down to the range\'s end')
})

t.test('WebSocket: under dropped, repeated and reordered deltas every consumer always holds the true book', async t => {
  const gw = await startGateway(t)
  const books: Array<['spot' | 'futures', string]> = [['spot', 'BTC-USDT'], ['spot', 'ETH-USDT'], ['futures', 'XBTUSDTM']]
  for (const [market, symbol] of books) {
    gw.sim.books.record(market, symbol)
    gw.sim.books.faults(market, symbol, { drop: 0.04, duplicate: 0.04, reorder: 0.04, seed: symbol.length })
  }
  // Two consumers per book: both must be right, and they share one upstream topic and one resync.
  const watchers = await Promise.all([...books, ...books].map(([m, s]) => watch(gw, m, s)))
  t.teardown(() => { for (const w of watchers) w.stop() })
  await until(() => watchers.every(w => w.consumer.seen.changes >= 25) && watchers.some(w => w.consumer.seen.resyncs >= 2), 45_000, 'changes and resyncs on every book')
  for (const w of watchers) t.same(w.consumer.problems, [], 'no consumer ever held a wrong book')
  const checks = watchers.reduce((n, w) => n + w.consumer.seen.checks, 0)
  t.ok(checks > 100, `${checks} books checked against the truth`)
  t.ok(gw.sim.books.faultCounts().dropped > 0, 'deltas were dropped')
  const topics = gw.sim.ws.subscriptions().flatMap(c => c.topics).sort()
  t.same(topics, ['/contractMarket/level2:XBTUSDTM', '/contractMarket/level2Depth5:XBTUSDTM', '/market/level2:BTC-USDT', '/market/level2:ETH-USDT'], 'one upstream delta topic per book (and the futures top 5 for the cross-check)')
  t.match((await gw.get('/metrics')).text, /kgw_book_resyncs_total\{market="spot",cause="gap"\} [1-9]/)
})

t.test('a stale snapshot is not used; an upstream drop resyncs every consumer', async t => {
  const gw = await startGateway(t)
  gw.sim.books.record('spot', 'BTC-USDT')
  // Something subscribed keeps the simulated market moving; once its history reaches back far
  // enough, the next two snapshots answer the book as it was 15 changes ago.
  const ticker = await connect(gw.url)
  t.teardown(() => ticker.close())
  await ticker.subscribe('/market/ticker:BTC-USDT')
  await until(() => {
    try {
      gw.sim.books.staleSnapshots('spot', 'BTC-USDT', 15, 2)
      return true
    } catch { return false }
  }, 20_000, 'a history 15 changes deep')
  const w = await watch(gw, 'spot', 'BTC-USDT')
  t.teardown(w.stop)
  await until(() => w.consumer.seen.changes >= 5, 20_000, 'a consistent book')
  t.ok(seen(gw.sim, '/api/v3/market/orderbook/level2').length >= 2, 'the stale snapshot was refused and another fetched')
  t.equal(w.consumer.seen.snapshots, 1, 'the consumer saw only the consistent one')

  gw.sim.ws.dropAll()
  await until(() => w.consumer.seen.resyncs >= 1 && w.consumer.seen.snapshots >= 2 && w.consumer.seen.changes >= 10, 30_000, 'resync after the drop')
  t.same(w.consumer.problems, [], 'the book was right before and after')
  t.match((await gw.get('/metrics')).text, /kgw_book_resyncs_total\{market="spot",cause="(reconnect|stale-snapshot)"\} [1-9]/)
})

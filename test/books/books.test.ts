// GET /books/{market}/{symbol} against the simulator: the answer's shape,
// its levels equal to the simulator's true book at the answer's sequence, the
// partial (public top-100) case, and typed refusals.
import t from 'tap'
import { startGateway, seen } from '../helper.js'

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
  // KuCoin refuses the level2 topic first (no snapshot is fetched before its ack): its WebSocket 404, typed.
  t.match((await gw.get('/books/spot/NOPE-USDT')).json(), { status: 400, type: 'urn:kgw:unknown-symbol', code: '404' }, 'KuCoin\'s refusal of the symbol, typed')
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

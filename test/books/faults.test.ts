// Verified books over /spot/ws and /futures/ws under KuCoin's failure modes:
// dropped, repeated and reordered deltas, stale snapshots and upstream drops.
// Every consumer's book is checked against the simulator's true book (its
// own recorded history) at every sequence it is told about.
import t from 'tap'
import { startGateway, seen } from '../helper.js'
import { connect, until } from '../ws/ws-client.js'
import { watch } from './consumer.js'

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

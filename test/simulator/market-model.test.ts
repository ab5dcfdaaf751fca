import t from 'tap'
import { SyntheticMarket } from '../../src/simulator/engine/market.js'
import type { BookChange } from '../../src/simulator/engine/market.js'

t.test('level changes replay a snapshot into the next one', async t => {
  const start = 1_700_000_000_000
  const market = new SyntheticMarket(7, start)
  const state = market.spot.get('BTC-USDT')!
  const bids = new Map(state.book.bids.map(l => [l.ticks, l.size]))
  const asks = new Map(state.book.asks.map(l => [l.ticks, l.size]))
  let sequence = state.book.sequence
  const changes: BookChange[] = []
  market.onChange(change => { if (change.instrument === state.instrument) changes.push(change) })
  market.advance(start + 2000)
  t.ok(changes.length > 0)
  for (const change of changes) {
    t.equal(change.sequence, ++sequence, 'sequence has no gaps')
    const side = change.side === 'buy' ? bids : asks
    if (change.size === 0) side.delete(change.ticks)
    else side.set(change.ticks, change.size)
  }
  t.equal(sequence, state.book.sequence)
  t.same([...bids].sort((a, b) => b[0] - a[0]), state.book.bids.map(l => [l.ticks, l.size]))
  t.same([...asks].sort((a, b) => a[0] - b[0]), state.book.asks.map(l => [l.ticks, l.size]))
  t.ok(state.book.bids[0]!.ticks < state.book.asks[0]!.ticks, 'never crossed')
})

t.test('same seed, same market; steps are lazy', async t => {
  const a = new SyntheticMarket(11, 1_700_000_000_000)
  const b = new SyntheticMarket(11, 1_700_000_000_000)
  a.advance(1_700_000_000_500)
  b.advance(1_700_000_000_500)
  t.same(a.spot.get('ETH-USDT')!.book.bids.slice(0, 5), b.spot.get('ETH-USDT')!.book.bids.slice(0, 5))
  const time = a.time
  a.advance(time + 50)
  t.equal(a.time, time, 'less than a step does nothing')
  a.advance(time + 10_000_000)
  t.equal(a.time, time + 10_000_000, 'a long idle period catches up in bounded work')
})

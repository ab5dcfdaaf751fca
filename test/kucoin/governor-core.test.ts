// The governor's pure parts: the pool budget and the fair queue, with the time passed in.
import t from 'tap'
import { PoolBudget, rateHeaders } from '../../src/kucoin/governor/budget.js'
import { FairQueue, type Waiter } from '../../src/kucoin/governor/fair-queue.js'
import { quotasFor } from '../../src/kucoin/governor/quotas.js'

const budget = (): PoolBudget => new PoolBudget({ limit: 100, windowMs: 1000, marginMs: 50 })

t.test('a window starts with the first call and refills after it ends (plus the margin)', async t => {
  const b = budget()
  t.equal(b.available(0), 100)
  t.equal(b.msUntilRefill(0), 0, 'no window yet')
  b.take(30, 10)
  t.equal(b.available(500), 70)
  t.equal(b.msUntilRefill(500), 560)
  t.equal(b.available(1059), 70, 'not before the margin has passed')
  t.equal(b.available(1060), 100)
  t.equal(b.resetAt, undefined, 'the next call starts the next window')
})

t.test('KuCoin\'s headers: the lower count wins within a window; a newer KuCoin window is adopted less what is in flight', async t => {
  const b = budget()
  b.take(10, 0)
  b.sync({ limit: 100, remaining: 60, resetMs: 900 }, 100)
  t.equal(b.remaining, 60, 'someone else spent 30: KuCoin\'s count wins')
  b.settle(10)
  b.sync({ remaining: 95, resetMs: 800 }, 200)
  t.equal(b.remaining, 60, 'a higher count in the same window never raises ours')
  b.take(5, 300)
  b.sync({ remaining: 99, resetMs: 990 }, 1100)
  t.equal(b.remaining, 94, 'KuCoin started a new window: its count, less the 5 still in flight')
  t.equal(b.resetAt, 2090)
  b.sync({ limit: 40 }, 1200)
  t.equal(b.limit, 40, 'gw-ratelimit-limit replaces the configured quota')
})

t.test('a KuCoin 429 empties the pool until its reset, or a whole window when it gave none', async t => {
  const b = budget()
  b.take(1, 0)
  b.pause(3000, 100)
  t.equal(b.available(2000), 0)
  t.equal(b.msUntilRefill(2000), 1150)
  t.equal(b.available(3150), 100)
  const c = budget()
  c.pause(undefined, 0)
  t.equal(c.msUntilRefill(0), 1050)
})

t.test('rateHeaders reads the three headers and ignores junk', async t => {
  t.same(rateHeaders({ 'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '1990', 'gw-ratelimit-reset': '29000' }), { limit: 2000, remaining: 1990, resetMs: 29000 })
  t.same(rateHeaders({ 'gw-ratelimit-limit': 'x', 'gw-ratelimit-remaining': '-1', 'gw-ratelimit-reset': '' }), {})
})

t.test('VIP quotas: the table, then overrides', async t => {
  t.match(quotasFor(0), { Spot: 4000, Futures: 2000, Management: 2000, Public: 2000 })
  t.match(quotasFor(12), { Spot: 40000, Futures: 20000, Management: 20000, Public: 2000, Earn: 2000 })
  t.match(quotasFor(3, { Public: 500 }), { Spot: 10000, Public: 500 })
})

const w = (caller: string, priority: Waiter['priority'] = 'public-read', weight = 1): Waiter => ({ caller, priority, weight })

t.test('strict priority between classes: cancels, placements, private reads, public reads', async t => {
  const q = new FairQueue({ maxSize: 10, maxPerCaller: 10 })
  const order = [w('a', 'public-read'), w('a', 'private-read'), w('b', 'place'), w('c', 'cancel')]
  for (const x of order) q.push(x)
  const out: string[] = []
  for (let next = q.next(); next; next = q.next()) {
    out.push(next.priority)
    q.remove(next, true)
  }
  t.same(out, ['cancel', 'place', 'private-read', 'public-read'])
  t.ok(new FairQueue({ maxSize: 1, maxPerCaller: 1 }).waitingAtOrAbove('cancel') === false)
  q.push(w('a', 'private-read'))
  t.notOk(q.waitingAtOrAbove('place'), 'a placement need not wait behind a read')
  t.ok(q.waitingAtOrAbove('public-read'), 'a public read must')
})

t.test('within a class the caller served least goes next, so a flood does not crowd out others', async t => {
  const q = new FairQueue({ maxSize: 100, maxPerCaller: 100 })
  q.charge('flood', 20) // it already had 20 weight this window without waiting
  for (let i = 0; i < 30; i++) q.push(w('flood'))
  for (let i = 0; i < 3; i++) q.push(w('quiet'))
  const first: string[] = []
  for (let i = 0; i < 3; i++) {
    const next = q.next()!
    first.push(next.caller)
    q.remove(next, true)
  }
  t.same(first, ['quiet', 'quiet', 'quiet'])
  // Weight counts, not calls: a caller of heavy calls gets fewer of them.
  const h = new FairQueue({ maxSize: 100, maxPerCaller: 100 })
  for (let i = 0; i < 10; i++) { h.push(w('heavy', 'public-read', 10)); h.push(w('light', 'public-read', 1)) }
  const served: Record<string, number> = { heavy: 0, light: 0 }
  for (let i = 0; i < 11; i++) {
    const next = h.next()!
    served[next.caller]!++
    h.remove(next, true)
  }
  t.same(served, { heavy: 1, light: 10 }, 'one heavy call of 10 is worth ten light ones')
  h.newWindow()
  t.equal(h.next()?.caller, 'heavy', 'a new window forgets callers no longer waiting')
  const c = new FairQueue({ maxSize: 100, maxPerCaller: 100 })
  c.charge('had-it-all', 8)
  c.push(w('had-it-all'))
  c.push(w('newcomer'))
  c.newWindow()
  t.equal(c.next()?.caller, 'newcomer', 'shares carry over windows for callers still waiting')
})

t.test('bounded in total and per caller; a removed waiter frees its place', async t => {
  const q = new FairQueue({ maxSize: 3, maxPerCaller: 2 })
  const a1 = w('a')
  t.equal(q.push(a1), undefined)
  t.equal(q.push(w('a')), undefined)
  t.equal(q.push(w('a')), 'caller-queue-full')
  t.equal(q.push(w('b')), undefined)
  t.equal(q.push(w('c')), 'queue-full')
  q.remove(a1, false)
  t.equal(q.size, 2)
  t.equal(q.push(w('c')), undefined)
})

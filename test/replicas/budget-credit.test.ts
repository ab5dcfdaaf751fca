// Prefetched credit of the shared budget (src/replicas/budget-credit.ts), on a
// fake clock: spent only while it covers the call and the shared window has not
// reached its margin (counted from when the request was sent, never later),
// grants of one window add up, a top-up is wanted once below half a chunk and
// never while one is asked for, and a cleared credit is gone.
import t from 'tap'
import { PoolCredit, type CreditGrant } from '../../src/replicas/budget-credit.js'

const MARGIN = 100
const grant = (granted: number, sentAt: number, msToRefill: number, remaining = 50): CreditGrant =>
  ({ granted, sentAt, msToRefill, marginMs: MARGIN, remaining })

t.test('spends while it covers the call; then refuses without touching what is left', async t => {
  const credit = new PoolCredit(10)
  t.equal(credit.spend(1, 0), undefined, 'no credit before a grant')
  credit.grant(grant(10, 0, 30_000, 40), 5)
  t.same(credit.spend(4, 10), { remaining: 40, refillMs: 29_995 }, 'Redis\'s last word passed on: what the window had left and when it ends')
  t.ok(credit.spend(6, 10))
  t.equal(credit.spend(1, 10), undefined, 'spent out')
  credit.grant(grant(10, 20, 30_000), 25)
  t.equal(credit.spend(11, 30), undefined, 'a call heavier than the credit asks Redis')
  t.equal(credit.amount, 10)
})

t.test('valid until the window\'s end less the margin, counted from when the request left', async t => {
  const credit = new PoolCredit(10)
  // Sent at 1000, Redis answered msToRefill 5000 (window ends at about 5900 on our clock, margin 100).
  credit.grant(grant(10, 1000, 5000), 1800)
  t.ok(credit.spend(1, 5799), 'just before 1000 + 5000 - 2 margin')
  t.equal(credit.spend(1, 5800), undefined, 'from then on Redis itself would refuse: the credit is dead')
  t.equal(credit.held(5800), 0, 'and no longer counted as held')
  const late = new PoolCredit(10)
  late.grant(grant(10, 0, 150), 10)
  t.equal(late.spend(1, 10), undefined, 'a grant already past its validity when it arrives is dropped')
})

t.test('grants of the same window add up and keep the earlier end; an expired credit is replaced', async t => {
  const credit = new PoolCredit(10)
  credit.grant(grant(10, 0, 10_000), 1)
  credit.grant(grant(10, 100, 20_000), 101)
  t.equal(credit.amount, 20)
  t.ok(credit.spend(1, 9799))
  t.equal(credit.spend(1, 9800), undefined, 'the earlier validity holds for all of it')
  credit.grant(grant(10, 20_000, 30_000), 20_001)
  t.equal(credit.amount, 10, 'the dead credit of the last window is not carried over')
  t.ok(credit.spend(10, 49_799))
})

t.test('a top-up is wanted below half a chunk, never twice at once, never with dead credit or none configured', async t => {
  const credit = new PoolCredit(10)
  t.notOk(credit.wantsTopUp(0), 'no window known: the next call\'s own reservation asks')
  credit.grant(grant(10, 0, 30_000), 1)
  credit.spend(5, 2)
  t.notOk(credit.wantsTopUp(2), 'half a chunk left')
  credit.spend(1, 3)
  t.ok(credit.wantsTopUp(3), 'below half a chunk')
  credit.asking = true
  t.notOk(credit.wantsTopUp(3), 'one asked for already')
  credit.asking = false
  t.notOk(credit.wantsTopUp(29_800), 'the window is at its margin: a top-up would be lost')
  const none = new PoolCredit(0)
  t.equal(none.chunkFor(5), 0, 'credit off: no chunk asked for')
  t.notOk(none.wantsTopUp(0))
  t.equal(credit.chunkFor(25), 25, 'a chunk covers at least one call of the weight that asked')
})

t.test('cleared (Redis unavailable or reconnected): nothing left to spend', async t => {
  const credit = new PoolCredit(10)
  credit.grant(grant(10, 0, 30_000), 1)
  credit.clear()
  t.equal(credit.spend(1, 2), undefined)
  t.equal(credit.held(2), 0)
})

// The governor in replica mode, with a scripted shared ledger in place of
// Redis (src/replicas/budget.ts is tested against a real Redis in
// test/replicas/): a call goes only when both the local count and the shared
// budget admit it; refused there it waits for the shared refill or gets a local
// 429; with the ledger unavailable it spends this replica's fallback share.
import t from 'tap'
import { GatewayError } from '../../src/errors.js'
import { Governor, type Ticket } from '../../src/kucoin/governor/governor.js'
import type { SharedLedger, SharedReservation, SharedSync, SharedVerdict } from '../../src/kucoin/governor/shared.js'

const ticket = (priority: Ticket['priority'] = 'public-read', weight = 1): Ticket => ({ market: 'spot', pool: 'Public', weight, priority, caller: 'a' })

class ScriptedLedger implements SharedLedger {
  asked: SharedReservation[] = []
  synced: SharedSync[] = []
  constructor (public answers: SharedVerdict[], public share = 0.5) {}
  async reserve (r: SharedReservation): Promise<SharedVerdict> {
    this.asked.push(r)
    return this.answers.length > 1 ? this.answers.shift()! : this.answers[0]!
  }

  sync (s: SharedSync): void { this.synced.push(s) }
  fallbackShare (): number { return this.share }
}

const governor = (ledger: ScriptedLedger, overrides: Partial<ConstructorParameters<typeof Governor>[0]> = {}): { g: Governor, results: string[], reasons: string[] } => {
  const g = new Governor({ quotas: { Public: 10 }, windowMs: 60_000, cancelReserve: 0.2, maxQueue: 100, maxQueuePerCaller: 100, maxWaitMs: 1000, marginMs: 10, ...overrides })
  const results: string[] = []
  const reasons: string[] = []
  g.events = { shared: (_pool, result) => { results.push(result) }, rejected: (_pool, _priority, reason) => { reasons.push(reason) } }
  g.useShared(ledger)
  t.teardown(() => { g.close() })
  return { g, results, reasons }
}

t.test('admitted by both: the reservation carries the class reserve and goes', async t => {
  const ledger = new ScriptedLedger([{ kind: 'admitted', remaining: 9, refillMs: 60_000 }])
  const { g, results } = governor(ledger)
  await g.admit(ticket('public-read', 2))
  await g.admit(ticket('cancel', 1))
  t.match(ledger.asked, [{ pool: 'Public', weight: 2, limit: 10, keep: 2 }, { weight: 1, keep: 0 }])
  t.same(results, ['admitted', 'admitted'])
  t.equal(g.stats()[0]!.remaining, 7, 'the local count took both too')
})

t.test('spent from credit: reported as such; every reservation says what credit must leave (the reads\' reserve)', async t => {
  const ledger = new ScriptedLedger([{ kind: 'admitted', remaining: 5, refillMs: 60_000, credit: true }])
  const { g, results } = governor(ledger)
  await g.admit(ticket('cancel', 1))
  await g.admit(ticket('public-read', 1))
  t.match(ledger.asked, [{ keep: 0, creditKeep: 2 }, { keep: 2, creditKeep: 2 }])
  t.same(results, ['credit', 'credit'])
  t.equal(g.stats()[0]!.remaining, 8, 'the local count, KuCoin\'s hard stop, took both all the same')
})

t.test('refused by the shared budget: waits for its refill, then is admitted again from the start', async t => {
  const ledger = new ScriptedLedger([{ kind: 'refused', remaining: 0, retryAfterMs: 30 }, { kind: 'admitted', remaining: 5, refillMs: 1000 }])
  const { g, results } = governor(ledger)
  await g.admit(ticket())
  t.same(results, ['refused', 'admitted'])
  t.equal(ledger.asked.length, 2)
  t.equal(g.stats()[0]!.remaining, 9, 'the local take given back on refusal and taken again once: one call, one weight')
})

t.test('refused with a refill beyond the wait allowed: a local 429 with Retry-After, the local take given back', async t => {
  const ledger = new ScriptedLedger([{ kind: 'refused', remaining: 0, retryAfterMs: 5000 }])
  const { g, reasons } = governor(ledger)
  const error = await g.admit(ticket()).catch((e: unknown) => e) as GatewayError
  t.match(error, { kind: 'rate-limited', status: 429, code: 'KGW_RATE_LIMITED', retryAfterMs: 5000, detail: /replicas share is spent/ })
  t.same(reasons, ['shared-spent'])
  t.equal(g.stats()[0]!.remaining, 10)
})

t.test('ledger unavailable: the fallback share of what was left, then a local 429', async t => {
  const ledger = new ScriptedLedger([{ kind: 'unavailable' }], 0.5)
  const { g, results } = governor(ledger, { maxWaitMs: 100 })
  for (let i = 0; i < 5; i++) await g.admit(ticket())
  t.match(await g.admit(ticket()).catch((e: unknown) => e), { kind: 'rate-limited' }, 'half of the pool spent alone: no more')
  t.same(results, ['fallback', 'fallback', 'fallback', 'fallback', 'fallback', 'fallback-refused'])
  t.equal(g.stats()[0]!.remaining, 5)
})

t.test('the fallback starts from Redis\'s last word on the window when it is lower than the local view', async t => {
  const ledger = new ScriptedLedger([{ kind: 'admitted', remaining: 4, refillMs: 60_000 }, { kind: 'unavailable' }], 0.5)
  const { g, results } = governor(ledger, { maxWaitMs: 100 })
  await g.admit(ticket())
  await g.admit(ticket())
  await g.admit(ticket())
  t.match(await g.admit(ticket()).catch((e: unknown) => e), { kind: 'rate-limited' })
  t.same(results, ['admitted', 'fallback', 'fallback', 'fallback-refused'], 'half of the 4 Redis said were left, not half of the local 9')
})

t.test('KuCoin\'s headers reach the ledger after every response; a KuCoin 429 as nothing left until its reset', async t => {
  const ledger = new ScriptedLedger([{ kind: 'admitted', remaining: 9, refillMs: 60_000 }])
  const { g } = governor(ledger)
  const first = ticket()
  await g.admit(first)
  g.settle(first, { headers: { 'gw-ratelimit-limit': '10', 'gw-ratelimit-remaining': '6', 'gw-ratelimit-reset': '20000' }, status: 200 })
  const second = ticket()
  await g.admit(second)
  g.settle(second, { headers: {}, status: 429, retryAfterMs: 7000 })
  t.match(ledger.synced, [{ pool: 'Public', limit: 10, remaining: 6, resetMs: 20000, inFlight: 0 }, { remaining: 0, resetMs: 7000 }])
  const guessed = { ...ticket(), guessed: true }
  g.settle(guessed, { headers: { 'gw-ratelimit-remaining': '1', 'gw-ratelimit-reset': '5' }, status: 200 })
  t.equal(ledger.synced.length, 2, 'a guessed pool\'s headers are not written')
})

t.test('a caller that goes while waiting for the shared refill: CallerGone, nothing left behind', async t => {
  const ledger = new ScriptedLedger([{ kind: 'refused', remaining: 0, retryAfterMs: 500 }])
  const { g } = governor(ledger)
  const controller = new AbortController()
  const waiting = g.admit(ticket(), controller.signal).catch((e: unknown) => e)
  while (ledger.asked.length === 0) await new Promise(resolve => setImmediate(resolve))
  controller.abort()
  t.match(await waiting, { kind: 'client-closed-request' })
  t.equal(g.stats()[0]!.remaining, 10)
})

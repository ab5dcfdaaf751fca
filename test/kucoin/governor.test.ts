// The governor with its timers, and the sharing of identical GETs: admission,
// waiting, deadlines, aborts, KuCoin's 429. Events decide, never elapsed time.
import t from 'tap'
import { GatewayError } from '../../src/errors.js'
import { CallerGone, Governor, type Ticket } from '../../src/kucoin/governor/governor.js'
import { SharedGets, type SharedAnswer } from '../../src/kucoin/shared-gets.js'
import type { CallSignal } from '../../src/light-abort.js'

const ticket = (caller: string, priority: Ticket['priority'] = 'public-read', weight = 1, pool = 'Public'): Ticket =>
  ({ market: 'spot', pool, weight, priority, caller })

const governor = (overrides: Partial<ConstructorParameters<typeof Governor>[0]> = {}): Governor => {
  const g = new Governor({ quotas: { Public: 10 }, windowMs: 300, cancelReserve: 0.2, maxQueue: 100, maxQueuePerCaller: 100, maxWaitMs: 20_000, marginMs: 10, ...overrides })
  t.teardown(() => { g.close() })
  return g
}

t.test('within budget calls go at once; beyond it they wait for the next window, most urgent first', async t => {
  const g = governor()
  const waited: string[] = []
  g.events = { waited: (_pool, priority) => { waited.push(priority) } }
  for (let i = 0; i < 8; i++) await g.admit(ticket('a')) // reads may use 8 of 10: 2 are kept for cancels
  await g.admit(ticket('b', 'place')) // placements may use half of the reserve
  const order: string[] = []
  const read = g.admit(ticket('a')).then(() => order.push('read'))
  await g.admit(ticket('c', 'cancel'))
  t.pass('a cancel goes at once, from the reserve')
  const place = g.admit(ticket('b', 'place')).then(() => order.push('place'))
  t.same(g.stats(), [{ pool: 'Public', queued: 2, remaining: 0, limit: 10 }])
  await Promise.all([read, place])
  t.same(order, ['place', 'read'], 'on refill the placement went before the read that queued first')
  t.same(waited, ['place', 'public-read'])
})

t.test('no budget in sight: a local 429 at once, with Retry-After, and nothing queued', async t => {
  const g = governor({ windowMs: 60_000, maxWaitMs: 1000 })
  const reasons: string[] = []
  g.events = { rejected: (_pool, _priority, reason) => { reasons.push(reason) } }
  for (let i = 0; i < 8; i++) await g.admit(ticket('a'))
  const error = await g.admit(ticket('a')).catch((e: unknown) => e) as GatewayError
  t.ok(error instanceof GatewayError)
  t.match(error, { kind: 'rate-limited', status: 429, code: 'KGW_RATE_LIMITED' })
  t.ok(error.retryAfterMs! > 1000 && error.retryAfterMs! <= 60_010, 'Retry-After is the time to the refill')
  t.same(reasons, ['wait-too-long'])
})

t.test('a waiter whose caller goes is dropped from the queue', async t => {
  const g = governor({ windowMs: 60_000, maxWaitMs: 120_000 })
  for (let i = 0; i < 8; i++) await g.admit(ticket('a'))
  const controller = new AbortController()
  const gone = g.admit(ticket('a'), controller.signal).catch((e: unknown) => e)
  t.equal(g.stats()[0]!.queued, 1)
  controller.abort()
  t.ok(await gone instanceof CallerGone)
  t.equal(g.stats()[0]!.queued, 0, 'its place is free')
})

t.test('waiters the refills cannot reach before their deadline get a local 429 from the queue', async t => {
  const g = governor({ windowMs: 100, maxWaitMs: 150 })
  const reasons: string[] = []
  g.events = { rejected: (_pool, _priority, reason) => { reasons.push(reason) } }
  for (let i = 0; i < 8; i++) await g.admit(ticket('a'))
  // 40 more need five windows: the last ones cannot be served within 150 ms.
  const outcomes = await Promise.all(Array.from({ length: 40 }, async () => await g.admit(ticket('a')).then(() => 'ok', (e: GatewayError) => e.code)))
  t.ok(outcomes.includes('ok'), 'some were served from the refills')
  t.ok(outcomes.includes('KGW_RATE_LIMITED'), 'the rest were refused locally')
  t.ok(reasons.includes('deadline'), 'by their deadline')
})

t.test('a KuCoin 429 pauses the pool until its reset, then calls flow again', async t => {
  const g = governor({ maxWaitMs: 20_000 })
  const first = ticket('a')
  await g.admit(first)
  g.settle(first, { headers: { 'gw-ratelimit-reset': '200' }, status: 429 })
  t.equal(g.stats()[0]!.remaining, 0, 'nothing left until the reset')
  await g.admit(ticket('a'))
  t.pass('admitted after the pause')
})

t.test('a call whose pool is a guess (endpoint not in the catalog): KuCoin\'s answer, about some other pool, is not applied to it', async t => {
  const g = governor({ windowMs: 60_000 })
  const guess: Ticket = { ...ticket('a'), guessed: true }
  await g.admit(guess)
  g.settle(guess, { headers: { 'gw-ratelimit-limit': '10', 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '60000' }, status: 429 })
  t.equal(g.stats()[0]!.remaining, 9, 'not paused, not pulled down: only its own weight is spent')
  const known = ticket('a')
  await g.admit(known)
  g.settle(known, { headers: { 'gw-ratelimit-limit': '10', 'gw-ratelimit-remaining': '3', 'gw-ratelimit-reset': '250' }, status: 200 })
  t.equal(g.stats()[0]!.remaining, 3, 'a known pool\'s headers still keep the count in step')
})

t.test('full queue, full caller share: local 429s', async t => {
  const g = governor({ windowMs: 1000, maxQueue: 2, maxQueuePerCaller: 1 })
  for (let i = 0; i < 8; i++) await g.admit(ticket('a'))
  const waiting = g.admit(ticket('a')).catch(() => 'late')
  t.match(await g.admit(ticket('a')).catch((e: unknown) => e), { kind: 'rate-limited', detail: /caller ip:a|caller a already has 1/ })
  const other = g.admit(ticket('b')).catch(() => 'late')
  t.match(await g.admit(ticket('c')).catch((e: unknown) => e), { kind: 'rate-limited', detail: /queue is full/ })
  await Promise.all([waiting, other])
})

const answer = (text: string): SharedAnswer => {
  const body = Buffer.from(text)
  return { status: 200, headers: {}, code: '200000', coding: 'identity', body, decoded: body }
}

t.test('shared GETs: one call for callers in flight; it is aborted only when the last caller goes', async t => {
  const s = new SharedGets({ shareInFlight: true, ttlMs: 0, maxBytes: 0 })
  let upstream: CallSignal | undefined
  let finish: (a: SharedAnswer) => void = () => {}
  const call = async (signal: CallSignal): Promise<SharedAnswer> => {
    upstream = signal
    return await new Promise(resolve => { finish = resolve })
  }
  const callers = [new AbortController(), new AbortController(), new AbortController()]
  const results = callers.map(c => s.run('k', c.signal, () => new Error('gone'), call).catch((e: Error) => e.message))
  t.same(s.stats, { calls: 1, joined: 2, cached: 0, aborted: 0 })
  callers[0]!.abort()
  callers[1]!.abort()
  t.equal(upstream?.aborted, false, 'one caller still waits')
  finish(answer('x'))
  t.same(await Promise.all(results), ['gone', 'gone', answer('x')])
  const again = [new AbortController(), new AbortController()]
  const more = again.map(c => s.run('k', c.signal, () => new Error('gone'), call).catch((e: Error) => e.message))
  again.forEach(c => { c.abort() })
  t.equal(upstream?.aborted, true, 'everyone left: the upstream call is aborted')
  t.same(await Promise.all(more), ['gone', 'gone'])
  t.equal(s.stats.aborted, 1)
  s.run('k', undefined, () => new Error('gone'), call).catch(() => {})
  t.equal(s.stats.calls, 3, 'an aborted call is not joined by the next caller')
})

t.test('the micro-cache: public answers reused within the TTL, bounded in bytes, private ones never kept', async t => {
  const s = new SharedGets({ shareInFlight: true, ttlMs: 60_000, maxBytes: 4096 })
  let calls = 0
  const call = async (): Promise<SharedAnswer> => { calls++; return answer('y'.repeat(1000)) }
  await s.run('a', undefined, () => new Error('gone'), call)
  await s.run('a', undefined, () => new Error('gone'), call)
  t.equal(calls, 1, 'reused')
  await s.run('p', undefined, () => new Error('gone'), call, false)
  await s.run('p', undefined, () => new Error('gone'), call, false)
  t.equal(calls, 3, 'not cacheable: asked twice')
  for (const key of ['b', 'c', 'd', 'e']) await s.run(key, undefined, () => new Error('gone'), call)
  t.ok(s.cachedBytes <= 4096, `within its byte bound (${s.cachedBytes})`)
  const big = new SharedGets({ shareInFlight: true, ttlMs: 60_000, maxBytes: 100 })
  await big.run('a', undefined, () => new Error('gone'), call)
  t.equal(big.cachedBytes, 0, 'an answer larger than the cache is not kept')
})

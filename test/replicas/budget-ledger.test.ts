// The shared budget's Redis side (src/replicas/budget.ts) against a real
// redis-server: reservations exact under concurrency from several
// connections, KuCoin's headers only ever make it more careful, a Redis that
// is stopped or paused answers `unavailable` within the command timeout, and
// replicas count each other through their presence.
import t from 'tap'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config.js'
import { SharedBudget, type SharedBudgetOptions } from '../../src/replicas/budget.js'
import { connectRedis } from '../../src/replicas/redis.js'
import type { SharedReservation } from '../../src/kucoin/governor/shared.js'
import { redisUnavailable, startRedis, type RedisServer } from '../redis-server.js'
import type { TestContext } from '../helper.js'

const missing = redisUnavailable()
const COMMAND_TIMEOUT_MS = 100

/** A replica's ledger; a generous command timeout unless told (a loaded machine must not turn these tests into timeout tests). */
/** Each ledger's own Redis connection, for tests that wait until it has seen Redis go. */
const connections = new WeakMap<SharedBudget, { status: string }>()

function ledger (t: TestContext, server: RedisServer, overrides: Partial<SharedBudgetOptions> = {}, timeoutMs = 2000): SharedBudget {
  const settings = loadConfig({ KGW_REDIS_URL: server.url, KGW_REDIS_COMMAND_TIMEOUT_MS: String(timeoutMs) }).replicas
  const redis = connectRedis(settings)
  redis.on('error', () => {})
  const budget = new SharedBudget({
    redis,
    keyPrefix: 'test:',
    replicaId: `r${Math.random()}`,
    apiKey: 'key-1',
    windowMs: 60_000,
    marginMs: 100,
    safetyPercent: 0,
    fallbackPercent: 0,
    presenceIntervalMs: 200,
    creditPercent: 0,
    ...overrides
  })
  t.teardown(async () => { await budget.close(); redis.disconnect() })
  connections.set(budget, redis)
  return budget
}

async function ready (budget: SharedBudget): Promise<void> {
  while (budget['options'].redis.status !== 'ready') await new Promise(resolve => setTimeout(resolve, 10))
}

const ask = (weight: number, extra: Partial<SharedReservation> = {}): SharedReservation =>
  ({ pool: 'Spot', weight, limit: 100, keep: 0, creditKeep: 0, knownUsed: 0, knownResetInMs: 0, ...extra })

t.test('three replicas reserving at once: exactly the limit is admitted, never a unit more', { skip: missing }, async t => {
  const server = await startRedis(t)
  const replicas = [ledger(t, server), ledger(t, server), ledger(t, server)]
  await Promise.all(replicas.map(ready))
  const verdicts = await Promise.all(Array.from({ length: 300 }, async (_, i) => await replicas[i % 3]!.reserve(ask(1))))
  t.equal(verdicts.filter(v => v.kind === 'admitted').length, 100, '100 of 300 calls of weight 1 fit a limit of 100')
  const refused = verdicts.find(v => v.kind === 'refused')
  t.ok(refused?.kind === 'refused' && refused.retryAfterMs > 59_000 && refused.retryAfterMs <= 60_100, 'a refusal says when the window refills')
  const direct = new Redis(server.url)
  t.teardown(() => direct.disconnect())
  t.same(await direct.hget(replicas[0]!.key('Spot'), 'used'), '100')
  t.ok(await direct.pttl(replicas[0]!.key('Spot')) > 60_000, 'the window\'s key expires a window after it ends')
})

t.test('with credit: calls spend it without Redis, yet never more than the limit is admitted across three replicas', { skip: missing }, async t => {
  const server = await startRedis(t)
  const replicas = [ledger(t, server, { creditPercent: 10 }), ledger(t, server, { creditPercent: 10 }), ledger(t, server, { creditPercent: 10 })]
  await Promise.all(replicas.map(ready))
  // Each replica calls one after another until refused, all three at once: credit, top-ups and Redis interleave.
  const admittedBy = await Promise.all(replicas.map(async r => {
    let admitted = 0
    while ((await r.reserve(ask(1))).kind === 'admitted') admitted++
    return admitted
  }))
  const credit = (r: SharedBudget): { asking: boolean, held: (now: number) => number } => r['credits'].get('Spot')!
  for (let i = 0; i < 500 && replicas.some(r => credit(r).asking); i++) await new Promise(resolve => setTimeout(resolve, 10))
  const admitted = admittedBy.reduce((a, b) => a + b)
  const spentFromCredit = replicas.reduce((sum, r) => sum + r.stats.credit, 0)
  const held = replicas.reduce((sum, r) => sum + credit(r).held(performance.now()), 0)
  const direct = new Redis(server.url)
  t.teardown(() => direct.disconnect())
  const used = Number(await direct.hget(replicas[0]!.key('Spot'), 'used'))
  t.ok(spentFromCredit > admitted / 2, `most calls spent credit (${spentFromCredit} of ${admitted}) without a Redis round trip`)
  t.ok(admitted <= 100, `${admitted} admitted: never more than the limit`)
  t.equal(admitted + held, used, 'Redis counted every call admitted and every unit of credit still held, nothing else')
  t.ok(used <= 100, 'and never more than the limit')
  t.ok(admitted >= 100 - 3 * 15, 'credit left unspent at the end costs at most about a chunk and a half per replica')
})

t.test('credit keeps the most careful class\'s reserve, so any class may spend it; a cancel still reaches into the reserve', { skip: missing }, async t => {
  const server = await startRedis(t)
  const budget = ledger(t, server, { creditPercent: 10 })
  await ready(budget)
  let admitted = 0
  while ((await budget.reserve(ask(1, { keep: 0, creditKeep: 20 }))).kind === 'admitted') admitted++
  t.ok(budget.stats.credit > 0, 'credit was spent')
  t.equal(admitted, 100, 'cancels (keep 0) went to Redis for the reserve once the credit stopped')
  const direct = new Redis(server.url)
  t.teardown(() => direct.disconnect())
  t.same(await direct.hget(budget.key('Spot'), 'used'), '100')
  const reads = ledger(t, server, { creditPercent: 10, apiKey: 'key-2' })
  await ready(reads)
  let read = 0
  while ((await reads.reserve(ask(1, { keep: 20, creditKeep: 20 }))).kind === 'admitted') read++
  t.ok(read <= 80 && read >= 80 - 15, `${read} reads stop at 100 - 20 (cancel reserve), credit or not`)
})

t.test('Redis stopped while credit is held: the credit is dropped, calls spend the fallback share instead', { skip: missing }, async t => {
  const server = await startRedis(t)
  const budget = ledger(t, server, { creditPercent: 10 }, COMMAND_TIMEOUT_MS)
  await ready(budget)
  t.match(await budget.reserve(ask(1)), { kind: 'admitted' })
  t.match(await budget.reserve(ask(1)), { kind: 'admitted', credit: true }, 'the chunk asked for with the first call is spent')
  await server.stop(true)
  // Until the connection has seen the close (a loaded machine delays it), Redis is not known to be gone.
  while (connections.get(budget)?.status === 'ready') await new Promise(resolve => setTimeout(resolve, 10))
  t.match(await budget.reserve(ask(1)), { kind: 'unavailable' }, 'credit is never spent once Redis is known to be unavailable')
  await server.start()
  await ready(budget)
  await new Promise(resolve => setTimeout(resolve, 1100)) // past the probe interval
  const stats = { ...budget.stats }
  t.match(await budget.reserve(ask(1)), { kind: 'admitted' })
  t.same([budget.stats.admitted - stats.admitted, budget.stats.credit - stats.credit], [1, 0], 'after the reconnection the old credit is gone: Redis was asked again')
})

t.test('class reserve and safety margin are kept unspent; the first call of a window goes whatever it weighs', { skip: missing }, async t => {
  const server = await startRedis(t)
  const budget = ledger(t, server, { safetyPercent: 10 })
  await ready(budget)
  t.match(await budget.reserve(ask(150)), { kind: 'admitted' }, 'a fresh window admits a call heavier than the pool')
  const other = ledger(t, server, { safetyPercent: 10, apiKey: 'key-2' })
  await ready(other)
  let admitted = 0
  while ((await other.reserve(ask(1, { keep: 20 }))).kind === 'admitted') admitted++
  t.equal(admitted, 70, 'reads stop at 100 - 20 (cancel reserve) - 10 (safety)')
  t.match(await other.reserve(ask(1)), { kind: 'admitted' }, 'a cancel (keep 0) still goes')
})

t.test('KuCoin\'s headers only ever make the shared count more careful', { skip: missing }, async t => {
  const server = await startRedis(t)
  const budget = ledger(t, server)
  await ready(budget)
  const direct = new Redis(server.url)
  t.teardown(() => direct.disconnect())
  await budget.reserve(ask(10))
  const synced = async (): Promise<void> => { for (let i = 0; i < 100 && (await direct.hget(budget.key('Spot'), 'limit')) === null; i++) await new Promise(resolve => setTimeout(resolve, 10)) }
  budget.sync({ pool: 'Spot', limit: 100, remaining: 40, resetMs: 30_000, inFlight: 0 })
  await synced()
  t.same(await direct.hget(budget.key('Spot'), 'used'), '60', 'KuCoin counted more (someone else on the key): adopted')
  budget.sync({ pool: 'Spot', limit: 100, remaining: 90, resetMs: 30_000, inFlight: 0 })
  await budget.reserve(ask(0))
  t.same(await direct.hget(budget.key('Spot'), 'used'), '60', 'KuCoin counted less (calls in flight): ignored')
  t.ok(Number(await direct.hget(budget.key('Spot'), 'reset')) > Date.now() + 50_000, 'the window\'s end is never moved earlier')
  await direct.del(budget.key('Spot'))
  t.match(await budget.reserve(ask(10, { knownUsed: 95, knownResetInMs: 20_000 })), { kind: 'refused' },
    'a Redis that lost its count is seeded from what the replica knows KuCoin counted')
})

t.test('Redis stopped, then paused: checks answer unavailable within the command timeout; back, counting resumes', { skip: missing }, async t => {
  const server = await startRedis(t)
  const budget = ledger(t, server, { windowMs: 400 }, COMMAND_TIMEOUT_MS)
  await ready(budget)
  t.match(await budget.reserve(ask(1)), { kind: 'admitted' })
  await server.stop(true)
  const started = performance.now()
  t.match(await budget.reserve(ask(1)), { kind: 'unavailable' })
  t.ok(performance.now() - started <= COMMAND_TIMEOUT_MS + 400, 'a stopped Redis fails at once (the slack is for a loaded machine\'s timers)')
  t.equal(budget.stats.fallback, true)
  await server.start()
  await ready(budget)
  await new Promise(resolve => setTimeout(resolve, 150)) // past the probe interval (a quarter window)
  t.match(await budget.reserve(ask(1)), { kind: 'admitted' }, 'shared counting resumed')
  t.equal(budget.stats.fallback, false)

  // A paused Redis (every client's commands held): the check gives up at the command timeout.
  const pauser = new Redis(server.url)
  t.teardown(() => pauser.disconnect())
  await pauser.call('CLIENT', 'PAUSE', '1000', 'ALL')
  const before = budget.stats.slowestFailureMs
  t.match(await budget.reserve(ask(1)), { kind: 'unavailable' })
  t.ok(budget.stats.slowestFailureMs >= COMMAND_TIMEOUT_MS * 0.9 && budget.stats.slowestFailureMs > before, `gave up after ${budget.stats.slowestFailureMs.toFixed(0)} ms`)
  t.match(await budget.reserve(ask(1)), { kind: 'unavailable' }, 'within the probe interval Redis is not asked again')
})

t.test('presence: replicas count each other; the fallback share divides the pool among them', { skip: missing }, async t => {
  const server = await startRedis(t)
  const replicas = [ledger(t, server), ledger(t, server), ledger(t, server)]
  t.equal(replicas[0]!.fallbackShare(), 0.25, 'before Redis was reached: assume one other replica, and halve (a KuCoin window can overlap two local ones)')
  await Promise.all(replicas.map(ready))
  replicas.forEach(r => { r.start() })
  while (replicas.some(r => r.stats.replicas !== 3)) await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(replicas[0]!.fallbackShare(), 1 / 6)
  await replicas[2]!.close()
  while (replicas[0]!.stats.replicas !== 2) await new Promise(resolve => setTimeout(resolve, 50))
  t.pass('a replica that leaves is no longer counted')
  t.equal(ledger(t, server, { fallbackPercent: 25 }).fallbackShare(), 0.25, 'a configured share wins')
})

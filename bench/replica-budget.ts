// bench/replica-budget: what replica mode's shared KuCoin budget adds to a
// REST call. One simulator, one real redis-server (Debian's, on a free
// loopback port), and two gateways side by side on the same core: one alone,
// one with KGW_REDIS_URL (every call reserved in Redis by a Lua script before
// it goes, and KuCoin's headers written back after). Both serve a signed GET
// (/api/v1/accounts: never shared in flight, so every request is one
// reservation) at the same open-loop rate, in alternating rounds; the median
// round of each is reported. Targets (issue 16): p50 ≤ +0.2 ms, p99 ≤ +1 ms.
// Then the admission alone, in this process: a governor with and without the
// shared budget, 20000 sequential admit + settle each (KuCoin's headers
// written back as after a response), which is what replica mode adds to a
// call's path without the HTTP noise of a loaded machine. With prefetched
// credit (KGW_REDIS_BUDGET_CREDIT_PERCENT, default 2) most calls spend weight
// reserved ahead and skip the Redis round trip: the HTTP side (the simulator's
// VIP 0 quota) shows the real mix, the admission loop (a quota so large that
// one chunk covers it) the credit path alone.
// BENCH_SECONDS (default 10) sets the measured time per side; REPLICA_RATE
// (default 500) the requests per second.
import { loadConfig } from '../src/config.js'
import { Governor, type Ticket } from '../src/kucoin/governor/governor.js'
import { SharedBudget } from '../src/replicas/budget.js'
import { connectRedis } from '../src/replicas/redis.js'
import { fixedRate, type FixedRate } from './lib/load.js'
import { canPin, pinSelf, startRole, stopAll } from './lib/processes.js'
import { redisUnavailable, startRedis } from '../test/redis-server.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const RATE = Number(process.env.REPLICA_RATE ?? 500)
const PATH = '/spot/api/v1/accounts'

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const ADMISSIONS = 20_000

/** Microseconds per admit + settle, p50 and p99, of a governor alone or sharing its budget in Redis. */
async function admissionCost (redisUrl: string | undefined, creditPercent = 2): Promise<{ p50: number, p99: number }> {
  const governor = new Governor({ quotas: { Spot: 1e12 }, windowMs: 30_000, cancelReserve: 0.1, maxQueue: 1000, maxQueuePerCaller: 1000, maxWaitMs: 5000 })
  const settings = loadConfig({ KGW_REDIS_URL: redisUrl }).replicas
  const redis = redisUrl === undefined ? undefined : connectRedis(settings)
  if (redis !== undefined) {
    while (redis.status !== 'ready') await new Promise(resolve => setTimeout(resolve, 10))
    governor.useShared(new SharedBudget({ redis, keyPrefix: 'bench:', replicaId: 'bench', apiKey: 'bench', windowMs: 30_000, marginMs: 100, ...settings.budget, creditPercent }))
  }
  const ticket: Ticket = { market: 'spot', pool: 'Spot', weight: 2, priority: 'private-read', caller: 'bench' }
  const headers = { 'gw-ratelimit-limit': '1000000000000', 'gw-ratelimit-remaining': '999999999000', 'gw-ratelimit-reset': '20000' }
  const micros: number[] = []
  for (let i = 0; i < ADMISSIONS; i++) {
    const start = performance.now()
    await governor.admit(ticket)
    governor.settle(ticket, { headers, status: 200 })
    micros.push((performance.now() - start) * 1000)
  }
  governor.close()
  redis?.disconnect()
  micros.sort((a, b) => a - b)
  return { p50: micros[Math.floor(micros.length / 2)]!, p99: micros[Math.floor(micros.length * 0.99)]! }
}

/** Reservations so far: all of them, and those spent from prefetched credit (no Redis round trip). */
async function reservations (url: string): Promise<{ all: number, credit: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const lines = text.split('\n').filter(line => line.startsWith('kgw_replica_budget_reservations_total{'))
  const sum = (of: string[]): number => of.reduce((total, line) => total + Number(line.split(' ').pop()), 0)
  return { all: sum(lines), credit: sum(lines.filter(line => line.includes('result="credit"'))) }
}

export async function replicaBudgetBench (): Promise<string> {
  const missing = redisUnavailable()
  if (missing !== undefined) return `Skipped: ${missing}.`
  const cleanups: Array<() => unknown> = []
  // Its SIGKILL is sent synchronously: an exit on any path (error, Ctrl-C via stopAll's handler) leaves no redis-server behind.
  const killRedis = (): void => { for (const cleanup of cleanups) Promise.resolve(cleanup()).catch(() => {}) }
  process.once('exit', killRedis)
  const redis = await startRedis({ teardown: fn => { cleanups.push(fn) } })
  try {
    pinSelf(1)
    const sim = await startRole('simulator', [], 1)
    const { spotUrl, futuresUrl } = sim.info as { spotUrl: string, futuresUrl: string }
    // LOG_LEVEL=error: startRole takes the first JSON line for the URL line, and a warning on a loaded machine could come first.
    const alone = (await startRole('gateway', [spotUrl, futuresUrl, 'LOG_LEVEL=error'], 0)).info.url!
    const shared = (await startRole('gateway', [spotUrl, futuresUrl, 'LOG_LEVEL=error', `KGW_REDIS_URL=${redis.url}`], 0)).info.url!
    await fixedRate(alone + PATH, RATE, 3)
    await fixedRate(shared + PATH, RATE, 3)
    const before = await reservations(shared)
    const rounds: Array<{ alone: FixedRate, shared: FixedRate }> = []
    for (let i = 0; i < 3; i++) {
      process.stderr.write(`  round ${i + 1} ...\n`)
      rounds.push({ alone: await fixedRate(alone + PATH, RATE, seconds / 2), shared: await fixedRate(shared + PATH, RATE, seconds / 2) })
    }
    const after = await reservations(shared)
    const reserved = { all: after.all - before.all, credit: after.credit - before.credit }
    process.stderr.write('  admission cost ...\n')
    await admissionCost(undefined)
    await admissionCost(redis.url)
    const cost: Array<Record<'alone' | 'shared' | 'uncredited', { p50: number, p99: number }>> = []
    for (let i = 0; i < 3; i++) cost.push({ alone: await admissionCost(undefined), shared: await admissionCost(redis.url), uncredited: await admissionCost(redis.url, 0) })
    const us = (side: 'alone' | 'shared' | 'uncredited', p: 'p50' | 'p99'): number => median(cost.map(c => c[side][p]))
    const pick = (side: 'alone' | 'shared'): { p50: number, p99: number, errors: number } => ({
      p50: median(rounds.map(r => r[side].p50Us)) / 1000,
      p99: median(rounds.map(r => r[side].p99Us)) / 1000,
      errors: rounds.reduce((n, r) => n + r[side].errors, 0)
    })
    const a = pick('alone')
    const s = pick('shared')
    const ms = (v: number): string => v.toFixed(3)
    return [
      `Signed GET ${PATH} at ${RATE} req/s, open loop, ${seconds / 2} s × 3 alternating rounds per side (median round), both gateways on ${canPin ? 'core 0' : 'any core (no taskset)'}.`,
      '',
      '| gateway | p50 ms | p99 ms | errors |',
      '|---|---|---|---|',
      `| alone | ${ms(a.p50)} | ${ms(a.p99)} | ${a.errors} |`,
      `| replica mode (Redis) | ${ms(s.p50)} | ${ms(s.p99)} | ${s.errors} |`,
      `| **added** | **${ms(s.p50 - a.p50)}** (target ≤ 0.2) | **${ms(s.p99 - a.p99)}** (target ≤ 1) | |`,
      '',
      `Reservations during the measured rounds: ${reserved.all} (every request made one), ${reserved.credit} of them spent from prefetched credit without a Redis round trip.`,
      '',
      `The admission alone (this process, ${ADMISSIONS} sequential admit + settle, 3 alternating rounds, median):`,
      '',
      '| governor | p50 µs | p99 µs |',
      '|---|---|---|',
      `| alone | ${us('alone', 'p50').toFixed(1)} | ${us('alone', 'p99').toFixed(1)} |`,
      `| sharing its budget in Redis, asking it every call (credit 0) | ${us('uncredited', 'p50').toFixed(1)} | ${us('uncredited', 'p99').toFixed(1)} |`,
      `| sharing its budget in Redis, with credit (default 2 %) | ${us('shared', 'p50').toFixed(1)} | ${us('shared', 'p99').toFixed(1)} |`,
      `| **added** with credit | **${(us('shared', 'p50') - us('alone', 'p50')).toFixed(1)}** | **${(us('shared', 'p99') - us('alone', 'p99')).toFixed(1)}** |`
    ].join('\n')
  } finally {
    stopAll()
    for (const cleanup of cleanups) await cleanup()
  }
}

// bench/governor: the rate-limit governor under 3× a pool's quota, and an
// alias-bomb GraphQL query.
//   1. 20 callers (each its own token) together ask for 3× the Spot pool's
//      quota, open loop (a call every interval whatever the answers):
//      private reads (weight 2), test placements (1) and cancels (1), cancels
//      within the share of the pool kept for them
//      (KGW_RATE_LIMIT_CANCEL_RESERVE_PERCENT=20 here). The simulator
//      enforces the quota as KuCoin does. Reported: KuCoin 429s (must be 0),
//      weight served per caller (min/max: proportion), the local 429s, and
//      cancels' latency and governor wait.
//   2. A GraphQL query of 1000 `ticker` aliases: time to its refusal and the
//      KuCoin calls it caused (must be 0).
// GOVERNOR_QUOTA (default 200) and GOVERNOR_WINDOW_MS (default 3000) set the
// pool; BENCH_SECONDS (default 10) the run.
import { Pool } from 'undici'
import { startRole, stopAll, type Served } from './lib/processes.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const QUOTA = Number(process.env.GOVERNOR_QUOTA ?? 200)
const WINDOW_MS = Number(process.env.GOVERNOR_WINDOW_MS ?? 3000)
const CALLERS = 20
const DEMAND = 3
/** Per cycle of 20 calls: 17 reads (weight 2), 2 test placements (1), 1 cancel (1) = 37 weight. */
const CYCLE = ['read', 'read', 'read', 'place', 'read', 'read', 'read', 'read', 'cancel', 'read', 'read', 'read', 'read', 'place', 'read', 'read', 'read', 'read', 'read', 'read'] as const
const CYCLE_WEIGHT = 37
const CANCEL_RESERVE_PERCENT = 20
type Kind = typeof CYCLE[number]

interface Outcome { caller: number, kind: Kind, status: number, code: string, ms: number }

function call (pool: Pool, token: string, kind: Kind, i: number): Promise<{ status: number, code: string }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const options = kind === 'read'
    ? { method: 'GET' as const, path: `/spot/api/v1/hf/orders/active?symbol=BTC-USDT&n=${i}` }
    : kind === 'place'
      ? { method: 'POST' as const, path: '/spot/api/v1/hf/orders/test', body: JSON.stringify({ clientOid: `b${i}`, side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '1', size: '0.001' }) }
      : { method: 'DELETE' as const, path: `/spot/api/v1/hf/orders/67174${String(i).padStart(19, '0')}?symbol=BTC-USDT` }
  return pool.request({ ...options, headers }).then(async res => {
    const text = await res.body.text()
    let code = ''
    try { code = String((JSON.parse(text) as { code?: unknown }).code ?? '') } catch {}
    return { status: res.statusCode, code }
  })
}

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

async function metric (gateway: Served, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${gateway.info.url}/metrics`)).text()
  return text.split('\n').filter(line => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)
}

async function overload (gateway: Served, tokens: string[]): Promise<string> {
  // A connection per call in flight: waiting reads must not hold up a cancel in the load generator itself.
  const pool = new Pool(gateway.info.url!, { connections: 4096 })
  // Weight per ms all callers together ask for, and so each caller's interval between calls.
  const demandPerMs = DEMAND * QUOTA / WINDOW_MS
  const intervalMs = CYCLE_WEIGHT / CYCLE.length / (demandPerMs / CALLERS)
  const outcomes: Outcome[] = []
  const pending: Array<Promise<void>> = []
  const end = performance.now() + seconds * 1000
  await Promise.all(tokens.map(async (token, caller) => {
    // Callers start spread over one interval, so they do not move in lockstep.
    const start = performance.now() + intervalMs * caller / CALLERS
    // Calls on a fixed schedule, not after a sleep each: a busy generator does not lower the demand.
    for (let i = 0; start + i * intervalMs < end; i++) {
      const due = start + i * intervalMs - performance.now()
      if (due > 0) await new Promise(resolve => setTimeout(resolve, due))
      const kind = CYCLE[(i + caller) % CYCLE.length]!
      const started = performance.now()
      pending.push(call(pool, token, kind, caller * 1_000_000 + i).then(r => { outcomes.push({ caller, kind, ...r, ms: performance.now() - started }) }, () => {
        outcomes.push({ caller, kind, status: 0, code: 'transport', ms: performance.now() - started })
      }))
    }
  }))
  await Promise.all(pending)
  await pool.close()
  const weight = (k: Kind): number => k === 'read' ? 2 : 1
  const served = outcomes.filter(o => o.status !== 429 && o.status !== 0)
  const kucoin429 = outcomes.filter(o => o.code === '429000').length
  const local429 = outcomes.filter(o => o.code === 'KGW_RATE_LIMITED').length
  const perCaller = tokens.map((_, c) => served.filter(o => o.caller === c).reduce((sum, o) => sum + weight(o.kind), 0))
  const mean = perCaller.reduce((a, b) => a + b, 0) / CALLERS
  const cancels = outcomes.filter(o => o.kind === 'cancel')
  const cancelWaitCount = await metric(gateway, /^kgw_ratelimit_wait_seconds_count\{pool="Spot",priority="cancel"\}/)
  const cancelWaitUnder50 = await metric(gateway, /^kgw_ratelimit_wait_seconds_bucket\{le="0.05",pool="Spot",priority="cancel"\}/)
  const asked = outcomes.reduce((sum, o) => sum + weight(o.kind), 0)
  const windows = seconds * 1000 / WINDOW_MS
  return [
    `Spot pool: quota ${QUOTA} per ${WINDOW_MS} ms (simulator and gateway), ${CALLERS} callers, ${seconds} s open loop, each calling every ${intervalMs.toFixed(0)} ms; ` +
      `cancels ask ${(DEMAND * QUOTA / CYCLE_WEIGHT).toFixed(0)} weight per window, ${CANCEL_RESERVE_PERCENT} % of the pool is kept for them.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| weight asked / quota over the run | ${asked} / ${Math.round(QUOTA * windows)} (${(asked / (QUOTA * windows)).toFixed(1)}×) |`,
    `| calls | ${outcomes.length} (${served.length} served, ${local429} local 429, ${outcomes.filter(o => o.status === 0).length} transport errors) |`,
    `| **KuCoin 429s** | **${kucoin429}** |`,
    `| weight served per caller: min / mean / max | ${Math.min(...perCaller)} / ${mean.toFixed(1)} / ${Math.max(...perCaller)} (min/max ${(Math.min(...perCaller) / Math.max(...perCaller)).toFixed(2)}) |`,
    `| cancels: served / asked | ${cancels.filter(o => o.status !== 429 && o.status !== 0).length} / ${cancels.length} |`,
    `| cancels that waited for budget at all (of them ≤ 50 ms) | ${cancelWaitCount} (${cancelWaitUnder50}) |`,
    `| **cancels' p99 wait for budget ≤ 50 ms** (no more than 1 % waited longer) | **${cancelWaitCount - cancelWaitUnder50 <= 0.01 * cancels.length ? 'yes' : 'no'}** (${cancelWaitCount - cancelWaitUnder50} of ${cancels.length} waited longer) |`,
    `| cancels' latency p50 / p99 (client, whole call: includes KuCoin's, here the simulator's, own backlog) | ${percentile(cancels.map(o => o.ms), 0.5).toFixed(1)} / ${percentile(cancels.map(o => o.ms), 0.99).toFixed(1)} ms |`,
    `| reads' latency p50 / p99 | ${percentile(outcomes.filter(o => o.kind === 'read').map(o => o.ms), 0.5).toFixed(1)} / ${percentile(outcomes.filter(o => o.kind === 'read').map(o => o.ms), 0.99).toFixed(1)} ms |`
  ].join('\n')
}

async function aliasBomb (gateway: Served): Promise<string> {
  const query = `{ spot { ${Array.from({ length: 1000 }, (_, i) => `t${i}: ticker(symbol: "S${i}-USDT") { price }`).join(' ')} } }`
  const pool = new Pool(gateway.info.url!, { connections: 1 })
  const before = (await (await fetch(`${gateway.info.url}/__bench/graphql-upstream`)).json() as { calls: number }).calls
  const times: number[] = []
  let status = 0
  for (let i = 0; i < 30; i++) {
    const started = performance.now()
    const res = await pool.request({ method: 'POST', path: '/graphql', headers: { authorization: 'Bearer bench-token-00-0123456789', 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
    await res.body.text()
    status = res.statusCode
    times.push(performance.now() - started)
  }
  await pool.close()
  const after = (await (await fetch(`${gateway.info.url}/__bench/graphql-upstream`)).json() as { calls: number }).calls
  return [
    '',
    `| alias bomb (1000 aliases, ${query.length} bytes): status, p50 / max over 30 | ${status}, ${percentile(times, 0.5).toFixed(1)} / ${Math.max(...times).toFixed(1)} ms |`,
    `| **KuCoin calls it caused** | **${after - before}** |`
  ].join('\n')
}

export async function governorBench (): Promise<string> {
  try {
    const simulator = await startRole('simulator', [`Spot=${QUOTA}`, `window=${WINDOW_MS}`], 1)
    const tokens = Array.from({ length: CALLERS }, (_, i) => `bench-token-${String(i).padStart(2, '0')}-0123456789`)
    const gateway = await startRole('gateway', [simulator.info.spotUrl!, simulator.info.futuresUrl!,
      'KGW_TRADING_ENABLED=true',
      `KGW_TOKENS=${tokens.map((token, i) => `caller${i}:${token}:read+trade`).join(',')}`,
      `KGW_RATE_LIMIT_QUOTAS=Spot=${QUOTA}`,
      `KGW_RATE_LIMIT_WINDOW_MS=${WINDOW_MS}`,
      `KGW_RATE_LIMIT_MAX_WAIT_MS=${WINDOW_MS}`,
      `KGW_RATE_LIMIT_CANCEL_RESERVE_PERCENT=${CANCEL_RESERVE_PERCENT}`], 0)
    return (await overload(gateway, tokens)) + (await aliasBomb(gateway))
  } finally {
    stopAll()
  }
}

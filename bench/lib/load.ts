// Two ways to load a URL: closed-loop max throughput (autocannon), and an
// open-loop fixed rate with microsecond latencies (autocannon's histogram
// resolves whole milliseconds, too coarse for "< 1 ms added").
import autocannon from 'autocannon'
import { Pool } from 'undici'

export interface Throughput { rps: number, p50Ms: number, p99Ms: number, errors: number, non2xx: number, /** Requests answered in the measured run. */ total: number }

/** A request other than a plain GET, e.g. a GraphQL POST. */
export interface RequestShape { method: 'GET' | 'POST', body?: string, headers?: Record<string, string> }

export interface ThroughputOptions {
  connections?: number
  seconds?: number
  warmupSeconds?: number
  request?: RequestShape
  /** Runs between the warm-up and the measured run (e.g. to read counters). */
  afterWarmup?: () => Promise<void>
}

export async function maxThroughput (url: string, options: ThroughputOptions = {}): Promise<Throughput> {
  const run = (duration: number): Promise<autocannon.Result> =>
    autocannon({ url, connections: options.connections ?? 50, duration, ...options.request })
  await run(options.warmupSeconds ?? 3)
  await options.afterWarmup?.()
  const result = await run(options.seconds ?? 10)
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total
  }
}

export interface FixedRate {
  rate: number
  achievedRps: number
  p50Us: number
  p99Us: number
  /** Failed requests and answers other than 200. */
  errors: number
  /** Of `errors`, the answers other than 200. */
  non200: number
  /** Requests sent (all answered or failed by the time it returns). */
  total: number
}

function percentile (sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN
}

/**
 * Paces `rate` requests per second for `seconds` (open loop: a slow answer does
 * not slow the sending) and times each from the moment it is handed to the
 * socket pool. Timers fire in ~1 ms steps, so requests go out in small bursts;
 * direct and gateway runs share that artefact, so their difference is the
 * gateway's own latency.
 */
export async function fixedRate (url: string, rate: number, seconds: number, connections = 64, request: RequestShape = { method: 'GET' }): Promise<FixedRate> {
  const target = new URL(url)
  const pool = new Pool(target.origin, { connections, pipelining: 1 })
  const path = target.pathname + target.search
  const total = Math.round(rate * seconds)
  const latencies: number[] = []
  let errors = 0
  let non200 = 0
  let sent = 0
  const inFlight: Array<Promise<void>> = []
  const start = performance.now()
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1)
    for (; sent < due; sent++) {
      const begin = performance.now()
      inFlight.push(pool.request({ path, ...request }).then(async res => {
        await res.body.dump()
        latencies.push((performance.now() - begin) * 1000)
        if (res.statusCode !== 200) {
          errors++
          non200++
        }
      }, () => { errors++ }))
    }
    await new Promise(resolve => setTimeout(resolve, 1))
  }
  await Promise.all(inFlight)
  const elapsed = (performance.now() - start) / 1000
  await pool.close()
  latencies.sort((a, b) => a - b)
  return { rate, achievedRps: Math.round(total / elapsed), p50Us: Math.round(percentile(latencies, 0.5)), p99Us: Math.round(percentile(latencies, 0.99)), errors, non200, total }
}

/**
 * `fixedRate` as a Throughput: a 3 s warm-up at the same rate, `afterWarmup`,
 * then the measured run. Requests go out evenly (1 ms steps), not in
 * per-second bursts as autocannon's rate option sends them.
 */
export async function pacedThroughput (url: string, rate: number, options: ThroughputOptions = {}): Promise<Throughput> {
  const request = options.request ?? { method: 'GET' }
  const connections = options.connections ?? 50
  await fixedRate(url, rate, options.warmupSeconds ?? 3, connections, request)
  await options.afterWarmup?.()
  const run = await fixedRate(url, rate, options.seconds ?? 10, connections, request)
  return {
    rps: run.achievedRps,
    p50Ms: run.p50Us / 1000,
    p99Ms: run.p99Us / 1000,
    errors: run.errors - run.non200,
    non2xx: run.non200,
    total: run.total
  }
}

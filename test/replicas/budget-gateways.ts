// Three gateways (in-process buildApp instances, each its own server on
// loopback) in replica mode on one simulator and one redis-server, and callers
// that push a pool harder than its budget across all three. For the shared
// budget tests (test/replicas/budget*.test.ts).
import type { FastifyInstance } from 'fastify'
import { Pool } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Env } from '../../src/config.js'
import { DEMO_KEY, startSimulator, type Simulator } from '../../src/simulator/index.js'
import type { TestContext } from '../helper.js'

export const READ_PATH = '/api/v1/hf/orders/active'
/** An active-order read: signed (KuCoin counts it per key, so all replicas share it), Spot pool, weight 2. */
export const READ_WEIGHT = 2

export interface Replica {
  app: FastifyInstance
  url: string
  pool: Pool
}

export interface Reply {
  replica: number
  status: number
  code: string
  retryAfter: string | undefined
  remaining: number | undefined
  reset: number | undefined
  /** Local time the answer arrived. */
  at: number
}

export async function startSimulatorFor (t: TestContext, quota: number, windowMs: number): Promise<Simulator> {
  const sim = await startSimulator({ rateLimits: { Spot: quota }, rateWindowMs: windowMs })
  t.teardown(() => sim.close())
  return sim
}

export async function startReplicas (t: TestContext, sim: Simulator, count: number, env: Env): Promise<Replica[]> {
  const replicas: Replica[] = []
  for (let i = 0; i < count; i++) {
    const config = loadConfig({
      LOG_LEVEL: 'warn',
      KUCOIN_API_KEY: DEMO_KEY.key,
      KUCOIN_API_SECRET: DEMO_KEY.secret,
      KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
      KUCOIN_API_KEY_VERSION: String(DEMO_KEY.version),
      KUCOIN_SPOT_URL: sim.spotUrl,
      KUCOIN_FUTURES_URL: sim.futuresUrl,
      KGW_REPLICA_ID: `replica-${i}`,
      ...env
    })
    const app = await buildApp(config, { logStream: { write: () => {} } })
    t.teardown(async () => await app.close()) // before anything that may throw: a left-open server hangs the file
    await app.listen({ host: '127.0.0.1', port: 0 })
    await app.kucoin.clocks.spot.sync()
    const address = app.server.address()
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    const pool = new Pool(url, { connections: 256 })
    t.teardown(async () => await pool.close())
    replicas.push({ app, url, pool })
  }
  return replicas
}

export async function read (replicas: Replica[], i: number): Promise<Reply> {
  const replica = i % replicas.length
  const res = await replicas[replica]!.pool.request({ method: 'GET', path: `/spot${READ_PATH}?symbol=BTC-USDT&n=${i}` })
  const text = await res.body.text()
  let code = ''
  try { code = String((JSON.parse(text) as { code?: unknown }).code ?? '') } catch {}
  const header = (name: string): number | undefined => {
    const value = res.headers[name]
    return typeof value === 'string' ? Number(value) : undefined
  }
  const retryAfter = res.headers['retry-after']
  return { replica, status: res.statusCode, code, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, remaining: header('gw-ratelimit-remaining'), reset: header('gw-ratelimit-reset'), at: Date.now() }
}

/**
 * Open loop: `perTick` reads every `tickMs` (whatever the answers), spread over
 * the replicas, until `ticks` have passed; `onTick` runs before each tick.
 */
export async function push (replicas: Replica[], perTick: number, tickMs: number, ticks: number, onTick: (tick: number) => Promise<void> | void = () => {}): Promise<Reply[]> {
  const pending: Array<Promise<Reply>> = []
  let n = 0
  for (let tick = 0; tick < ticks; tick++) {
    await onTick(tick)
    for (let i = 0; i < perTick; i++) pending.push(read(replicas, n++))
    await new Promise(resolve => setTimeout(resolve, tickMs))
  }
  return await Promise.all(pending)
}

/**
 * The weight KuCoin counted per window, its windows rebuilt as the simulator
 * starts them (the first request after the last window's end starts one).
 */
export function weightPerWindow (sim: Simulator, windowMs: number): number[] {
  const windows: number[] = []
  let start = -Infinity
  for (const r of sim.requests.filter(r => r.url.startsWith(READ_PATH))) {
    if (r.at >= start + windowMs) {
      start = r.at
      windows.push(0)
    }
    windows[windows.length - 1]! += READ_WEIGHT
  }
  return windows
}

export function tally (replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of replies) {
    const key = r.status === 200 ? '200' : `${r.status} ${r.code}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

/** One gateway's /metrics, summed over the lines that match. */
export async function metric (replica: Replica, pattern: RegExp): Promise<number> {
  const text = await (await replica.app.inject('/metrics')).body
  return text.split('\n').filter(line => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0)
}

export function windowStarts (sim: Simulator, windowMs: number): number[] {
  const starts: number[] = []
  let start = -Infinity
  for (const r of sim.requests.filter(r => r.url.startsWith(READ_PATH))) {
    if (r.at >= start + windowMs) { start = r.at; starts.push(r.at) }
  }
  return starts
}

// Helpers of the failover tests: KuCoin pushing numbered frames, clients on
// chosen replicas, and checks on what each client received.
import type { Test } from 'tap'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { numbered, type Cluster, type Replica } from './cluster.js'

export const TOPIC = '/market/ticker:BTC-USDT'

/** KuCoin pushes numbered frames on TOPIC every `everyMs` until stopped; `n` is the last number sent. */
export function feed (cluster: Cluster, everyMs = 20): { n: () => number, stop: () => void } {
  let n = 0
  const timer = setInterval(() => { cluster.sim.ws.publishRaw('spot', TOPIC, numbered(TOPIC, ++n)) }, everyMs)
  return { n: () => n, stop: () => clearInterval(timer) }
}

export function numbers (client: TestSocket): number[] {
  return client.frames.filter(f => f.type === 'message' && typeof f.data?.n === 'number').map(f => f.data.n as number)
}

/** Every client's numbered frames strictly increase: nothing delivered twice, nothing out of order. */
export function inOrder (clients: TestSocket[]): boolean {
  return clients.every(c => numbers(c).every((n, i, all) => i === 0 || n > all[i - 1]!))
}

export async function clientsOn (replicas: Replica[], perReplica: number, t: Test): Promise<TestSocket[]> {
  const clients: TestSocket[] = []
  t.teardown(() => { for (const c of clients) c.close() })
  for (const replica of replicas) for (let i = 0; i < perReplica; i++) clients.push(await connect(replica.url))
  const answers = await Promise.all(clients.map(async c => await c.subscribe(TOPIC)))
  t.same(answers.filter(a => a.type !== 'ack'), [], 'every client acked')
  return clients
}

export async function resumed (clients: TestSocket[], after: number, timeoutMs: number): Promise<number> {
  await until(() => clients.every(c => numbers(c).some(n => n > after)), timeoutMs, `frames after #${after}`)
  return Date.now()
}

// An event topic: the hub never conflates it, so every frame must arrive.
export const EVENT_TOPIC = '/market/match:BTC-USDT'

export interface Received { n: number, latencyMs: number }

export function received (client: TestSocket): Received[] {
  return client.frames.filter(f => f.type === 'message' && typeof f.data?.n === 'number').map(f => ({ n: f.data.n as number, latencyMs: (f.receivedAt as number) - (f.data.sentAt as number) }))
}

/** Stamps each frame with its arrival time, before anything else reads it. */
export function stamp (client: TestSocket): void {
  const push = client.frames.push.bind(client.frames)
  client.frames.push = (...frames) => push(...frames.map(f => ({ ...f, receivedAt: Date.now() })))
}

/** Pushes frames numbered from `from` at `perSecond` for `seconds`, in 10 ms ticks; resolves with the last number. */
export async function burst (cluster: Cluster, from: number, perSecond: number, seconds: number, during?: (n: number) => void): Promise<number> {
  let n = from
  const perTick = perSecond / 100
  const ticks = seconds * 100
  const started = Date.now()
  for (let tick = 1; tick <= ticks; tick++) {
    for (let i = 0; i < perTick; i++) cluster.sim.ws.publishRaw('spot', EVENT_TOPIC, numbered(EVENT_TOPIC, ++n, 'trade.l3match'))
    during?.(n)
    // Keep the pace against the wall clock, so a slow tick is caught up rather than stretching the run.
    const wait = started + tick * 10 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
  }
  return n
}

// One fan-out scenario, shared by bench/fanout and bench/graphql: C clients
// (in bench/clients.ts processes) receive one upstream topic published at
// R msgs/s; the server's CPU per delivery, latency, and the load generator's
// own CPU (client processes, and this process publishing) are measured over
// the same window. Frames published in the measured window carry a mark the
// clients count (`"m":1`) and a send time (`"t":`).
import { procStat, startClientProcesses, type ClientProcess, type ProcStat, type Served } from './processes.js'

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Clients per client process; at most MAX_PROCESSES processes. */
export const PER_PROCESS = 250
const MAX_PROCESSES = 8
export const SAMPLE_EVERY = 10

/** A full collection in the server (bench/serve.ts runs with --expose-gc), so RSS is read at rest. */
async function settled (pid: number): Promise<ProcStat> {
  process.kill(pid, 'SIGUSR2')
  await sleep(500)
  return procStat(pid)
}

/** The wall clock shared by the processes (ms, microsecond resolution). */
export const now = (): number => performance.timeOrigin + performance.now()

/** Publishes `frame(n, measured)` for `seconds` at `rate`. Returns how many were sent. */
export async function publishFor (seconds: number, rate: number, measured: boolean, frame: Frame, publish: (frame: string) => void): Promise<number> {
  const start = performance.now()
  let sent = 0
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000)
    for (; sent < due; sent++) publish(frame(sent, measured))
    await sleep(1)
  }
  return sent
}

interface Report { received: number, latencies: number[], cpuMs: number, systemMs: number }

async function collect (procs: ClientProcess[]): Promise<Report> {
  const reports = await Promise.all(procs.map(p => p.ask<Report>({ type: 'report' })))
  return {
    received: reports.reduce((n, r) => n + r.received, 0),
    latencies: reports.flatMap(r => r.latencies),
    cpuMs: reports.reduce((n, r) => n + r.cpuMs, 0),
    systemMs: reports.reduce((n, r) => n + r.systemMs, 0)
  }
}

export interface Result {
  sent: number
  delivered: number
  expected: number
  p50Ms: number
  p99Ms: number
  /** Server CPU over the measured window, fraction of one core. */
  serverCpu: number
  usPerDelivery: number
  rssKbPerClient: number
  /** All client processes together, fraction of one core, and the kernel's part of it. */
  clientCpu: number
  clientSystem: number
  /** This process (the publisher) over the window, fraction of one core. */
  publisherCpu: number
  processes: number
}

/** The frame published for message `n`; `measured` ones carry the clients' mark. */
export type Frame = (n: number, measured: boolean) => string

export interface Scenario {
  count: number
  rate: number
  seconds: number
  warmupSeconds: number
  /** The connect command for one client process, bench/clients.ts (count, first and sampleEvery are added). */
  connect: Record<string, unknown>
  /** Resolves once the server has every client subscribed (after the client processes said they are). */
  ready?: () => Promise<void>
  frame: Frame
  publish: (frame: string) => void
}

export async function scenario (server: Served, s: Scenario): Promise<Result> {
  const pid = server.child.pid!
  const before = await settled(pid)
  const procs = startClientProcesses(Math.min(MAX_PROCESSES, Math.ceil(s.count / PER_PROCESS)), 1)
  let first = 0
  await Promise.all(procs.map((p, i) => {
    const share = Math.floor(s.count / procs.length) + (i < s.count % procs.length ? 1 : 0)
    const command = { type: 'connect', ...s.connect, count: share, sampleEvery: SAMPLE_EVERY, first }
    first += share
    return p.ask(command)
  }))
  await s.ready?.()
  const idle = await settled(pid)
  await publishFor(s.warmupSeconds, s.rate, false, s.frame, s.publish)
  await sleep(300)
  const startClients = await collect(procs) // resets the clients' counters
  const start = await procStat(pid)
  const publisherStart = process.cpuUsage()
  const sent = await publishFor(s.seconds, s.rate, true, s.frame, s.publish)
  await sleep(1000) // what is still in flight arrives
  const end = await procStat(pid)
  const publisher = process.cpuUsage(publisherStart)
  const result = await collect(procs)
  for (const p of procs) p.child.send({ type: 'close' })
  await Promise.all(procs.map(p => new Promise(resolve => p.child.once('exit', resolve))))

  const latencies = result.latencies.sort((a, b) => a - b)
  const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
  const window = s.seconds + 1
  const cpuSeconds = (end.cpuTicks - start.cpuTicks) / 100
  return {
    sent,
    delivered: result.received,
    expected: sent * s.count,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    serverCpu: cpuSeconds / window,
    usPerDelivery: (cpuSeconds * 1e6) / Math.max(1, result.received),
    rssKbPerClient: (idle.rssKb - before.rssKb) / s.count,
    clientCpu: (result.cpuMs - startClients.cpuMs) / 1000 / window,
    clientSystem: (result.systemMs - startClients.systemMs) / Math.max(1, result.cpuMs - startClients.cpuMs),
    publisherCpu: (publisher.user + publisher.system) / 1e6 / window,
    processes: procs.length
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The median of every figure over the rounds (each figure on its own). */
export function medianResult (results: Result[]): Result {
  const out = {} as Result
  for (const key of Object.keys(results[0]!) as Array<keyof Result>) out[key] = median(results.map(r => r[key]))
  return out
}

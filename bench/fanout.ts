// bench/fanout: one upstream topic at R msgs/s to C downstream clients,
// through the gateway and, side by side in the same run, through a bare `ws`
// server that broadcasts each upstream frame's buffer to every client (the
// practical limit in Node). The server under test runs alone on CPU 0; the
// simulator (publishing from this process) and the clients, spread over
// several processes (bench/clients.ts), share CPU 1.
import { startSimulator } from '../src/simulator/index.js'
import { canPin, pinSelf, procStat, startClientProcesses, startRole, stopAll, type ClientProcess, type ProcStat, type Served } from './lib/processes.js'

const TOPIC = '/market/ticker:BTC-USDT'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10) / 2
const WARMUP_SECONDS = 1
/**
 * `clients x msgs/s` per scenario. 5000 clients get 20 msgs/s: the same 100,000
 * deliveries a second as 1000 × 100, which one core can carry; at 100 msgs/s
 * (500,000 a second) both servers, and the clients' core, only show saturation.
 */
const PLAN = (process.env.FANOUT_PLAN ?? '100x100,1000x100,5000x20').split(',').map(entry => {
  const [count, rate] = entry.split('x').map(Number)
  return { count: count!, rate: rate ?? 100 }
})
/** Rounds per scenario, bare and gateway alternating; each reported figure is the median of its rounds. */
const ROUNDS = Number(process.env.FANOUT_ROUNDS ?? 3)
/** Clients per client process; at most MAX_PROCESSES processes. */
const PER_PROCESS = 250
const MAX_PROCESSES = 8
const SAMPLE_EVERY = 10

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A full collection in the server (bench/serve.ts runs with --expose-gc), so RSS is read at rest. */
async function settled (pid: number): Promise<ProcStat> {
  process.kill(pid, 'SIGUSR2')
  await sleep(500)
  return procStat(pid)
}

/** Publishes for `seconds` at `rate`; `measured` frames carry `"m":1`. Returns how many were sent. */
async function publishFor (seconds: number, rate: number, measured: boolean, publish: (frame: string) => void): Promise<number> {
  const pad = 'x'.repeat(200) // a KuCoin ticker frame is about 300 bytes
  const start = performance.now()
  let sent = 0
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000)
    for (; sent < due; sent++) {
      publish(`{"type":"message","topic":"${TOPIC}","subject":"trade.ticker","data":{"t":${performance.timeOrigin + performance.now()},"m":${measured ? 1 : 0},"n":${sent},"pad":"${pad}"}}`)
    }
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

interface Result {
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
  processes: number
}

async function scenario (server: Served, count: number, rate: number, url: string, subscribe: boolean, publish: (frame: string) => void): Promise<Result> {
  const pid = server.child.pid!
  const before = await settled(pid)
  const procs = startClientProcesses(Math.min(MAX_PROCESSES, Math.ceil(count / PER_PROCESS)), 1)
  let first = 0
  await Promise.all(procs.map((p, i) => {
    const share = Math.floor(count / procs.length) + (i < count % procs.length ? 1 : 0)
    const command = { type: 'connect', url, count: share, topic: subscribe ? TOPIC : null, sampleEvery: SAMPLE_EVERY, first }
    first += share
    return p.ask(command)
  }))
  const idle = await settled(pid)
  await publishFor(WARMUP_SECONDS, rate, false, publish)
  await sleep(300)
  const startClients = await collect(procs) // resets the clients' counters
  const start = await procStat(pid)
  const sent = await publishFor(SECONDS, rate, true, publish)
  await sleep(1000) // what is still in flight arrives
  const end = await procStat(pid)
  const result = await collect(procs)
  for (const p of procs) p.child.send({ type: 'close' })
  await Promise.all(procs.map(p => new Promise(resolve => p.child.once('exit', resolve))))

  const latencies = result.latencies.sort((a, b) => a - b)
  const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
  const window = SECONDS + 1
  const cpuSeconds = (end.cpuTicks - start.cpuTicks) / 100
  return {
    sent,
    delivered: result.received,
    expected: sent * count,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    serverCpu: cpuSeconds / window,
    usPerDelivery: (cpuSeconds * 1e6) / Math.max(1, result.received),
    rssKbPerClient: (idle.rssKb - before.rssKb) / count,
    clientCpu: (result.cpuMs - startClients.cpuMs) / 1000 / window,
    clientSystem: (result.systemMs - startClients.systemMs) / Math.max(1, result.cpuMs - startClients.cpuMs),
    processes: procs.length
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The median of every figure over the rounds (each figure on its own). */
function medianResult (results: Result[]): Result {
  const m = (key: keyof Result): number => median(results.map(r => r[key]))
  return {
    sent: m('sent'),
    delivered: m('delivered'),
    expected: m('expected'),
    p50Ms: m('p50Ms'),
    p99Ms: m('p99Ms'),
    serverCpu: m('serverCpu'),
    usPerDelivery: m('usPerDelivery'),
    rssKbPerClient: m('rssKbPerClient'),
    clientCpu: m('clientCpu'),
    clientSystem: m('clientSystem'),
    processes: m('processes')
  }
}

function row (name: string, count: number, rate: number, r: Result): string {
  return `| ${name} | ${count} | ${rate} | ${r.delivered} / ${r.expected} | ${Math.round(r.delivered / SECONDS)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ` +
    `${Math.round(r.serverCpu * 100)}% | ${r.usPerDelivery.toFixed(2)} | ${Math.round(1e6 / r.usPerDelivery)} | ${r.rssKbPerClient.toFixed(1)} | ${Math.round(r.clientCpu * 100)}% (${Math.round(r.clientSystem * 100)}% kernel, ${r.processes} process${r.processes > 1 ? 'es' : ''}) |`
}

export async function fanoutBench (): Promise<string> {
  pinSelf(1)
  const sim = await startSimulator({ ws: { maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000 } })
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl], 0)
  const bare = await startRole('bare-ws', [sim.spotUrl, TOPIC], 0)
  const publish = (frame: string): void => { sim.ws.publishRaw('spot', TOPIC, frame) }
  // A gateway token admits any number of connections until it expires.
  const res = await fetch(`${gateway.info.url}/spot/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  const gatewayUrl = `${data.instanceServers[0]!.endpoint}?token=${data.token}`
  const rows: string[] = []
  const ratios: string[] = []
  for (const { count, rate } of PLAN) {
    const results: Record<'bare' | 'gateway', Result[]> = { bare: [], gateway: [] }
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`  ${count} clients × ${rate} msgs/s, round ${round}/${ROUNDS} ...\n`)
      results.bare.push(await scenario(bare, count, rate, bare.info.url!, false, publish))
      results.gateway.push(await scenario(gateway, count, rate, gatewayUrl, true, publish))
    }
    const b = medianResult(results.bare)
    const g = medianResult(results.gateway)
    rows.push(row('bare ws broadcast', count, rate, b), row('kucoin-gateway', count, rate, g))
    ratios.push(`- ${count} × ${rate}: gateway ÷ bare capacity **${(b.usPerDelivery / g.usPerDelivery).toFixed(2)}×**; gateway p99 ${g.p99Ms.toFixed(1)} ms (bare ${b.p99Ms.toFixed(1)} ms); ` +
      `per-round capacity ratios ${results.bare.map((r, i) => (r.usPerDelivery / results.gateway[i]!.usPerDelivery).toFixed(2)).join(', ')}`)
  }
  stopAll()
  await sim.close()
  const pinning = canPin ? 'server under test alone on CPU 0; simulator and client processes on CPU 1' : 'no pinning (taskset unavailable)'
  return [
    `One topic; ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured (+1 s to drain); ${pinning}; up to ${PER_PROCESS} clients per client process; ` +
      `median of ${ROUNDS} rounds, bare and gateway alternating. Latency: upstream send → client receive, every ${SAMPLE_EVERY}th client. ` +
      'Server CPU: user + system over the measured window; capacity = deliveries per CPU-second of the server. RSS per client: after connecting, both readings after a full GC.',
    '',
    '| server | clients | msgs/s | delivered / expected | delivered msgs/s | p50 ms | p99 ms | server CPU | CPU µs per delivery | capacity (deliveries per CPU-s) | RSS KB per client | clients CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...ratios
  ].join('\n')
}

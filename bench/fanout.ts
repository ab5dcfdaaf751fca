// bench/fanout: one upstream topic at R msgs/s to C downstream clients,
// through the gateway and, side by side in the same run, through a bare `ws`
// server that broadcasts each upstream frame's buffer to every client (the
// practical limit in Node). The server under test runs alone on CPU 0; the
// simulator (publishing from this process) and the clients, spread over
// several processes (bench/clients.ts), share CPU 1: the load generator.
// Honest by construction: the generator's own CPU is printed beside every
// row; a ratio is printed only when both sides delivered ≥ 95 % of the
// expected messages and the generator had CPU to spare; idle RSS per client
// is measured on its own, with many clients connected and nothing published.
import { startSimulator } from '../src/simulator/index.js'
import { PER_PROCESS, SAMPLE_EVERY, medianResult, scenario, type Frame, type Result } from './lib/deliveries.js'
import { canPin, pinSelf, startRole, stopAll, type Served } from './lib/processes.js'

const TOPIC = '/market/ticker:BTC-USDT'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10) / 2
const WARMUP_SECONDS = 1
/**
 * `clients x msgs/s` per scenario. Receiving costs the clients ~9 µs of CPU per
 * frame (one read per frame per socket, over half of it in the kernel), and
 * they share one core with the publisher: 1000 × 100 (100,000 a second) used
 * to saturate that core, so both servers "delivered" ~54 % and latency was
 * the clients' queue. The default plan stays at or under 50,000 deliveries a
 * second, which the generator can carry on a quiet core.
 */
const PLAN = (process.env.FANOUT_PLAN ?? '100x100,1000x20,1000x50').split(',').map(entry => {
  const [count, rate] = entry.split('x').map(Number)
  return { count: count!, rate: rate ?? 100 }
})
/** Idle clients for the RSS-per-client measurement (connected and subscribed, nothing published). */
const IDLE_CLIENTS = Number(process.env.FANOUT_IDLE_CLIENTS ?? 2000)
/** Rounds per scenario, bare and gateway alternating; each reported figure is the median of its rounds. */
const ROUNDS = Number(process.env.FANOUT_ROUNDS ?? 3)
/** Above this share of its core the generator is saturated: its numbers are its own limit, not the server's. */
const SATURATED = 0.85
const TARGETS = { capacity: 0.9, p99Ms: 15, idleKb: 20 }

const pad = 'x'.repeat(200) // a KuCoin ticker frame is about 300 bytes
const frame: Frame = (n, measured) =>
  `{"type":"message","topic":"${TOPIC}","subject":"trade.ticker","data":{"t":${performance.timeOrigin + performance.now()},"m":${measured ? 1 : 0},"n":${n},"pad":"${pad}"}}`

const complete = (r: Result): boolean => r.expected > 0 && r.delivered >= 0.95 * r.expected
const generator = (r: Result): number => r.clientCpu + r.publisherCpu
const pct = (x: number): string => `${Math.round(x * 100)}%`

function run (server: Served, count: number, rate: number, url: string, subscribe: boolean, publish: (frame: string) => void, seconds = SECONDS, warmup = WARMUP_SECONDS): Promise<Result> {
  return scenario(server, { count, rate, seconds, warmupSeconds: warmup, connect: { url, topic: subscribe ? TOPIC : null }, frame, publish })
}

function row (name: string, count: number, rate: number, r: Result): string {
  return `| ${name} | ${count} | ${rate} | ${r.delivered} / ${r.expected} (${pct(r.delivered / Math.max(1, r.expected))}) | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ` +
    `${pct(r.serverCpu)} | ${r.usPerDelivery.toFixed(2)} | ${Math.round(1e6 / r.usPerDelivery)} | ${pct(generator(r))} (clients ${pct(r.clientCpu)}, ${pct(r.clientSystem)} of it kernel; publisher ${pct(r.publisherCpu)}; ${r.processes} client process${r.processes > 1 ? 'es' : ''}) |`
}

/** The comparison for one scenario, or why there is none. */
function verdict (count: number, rate: number, b: Result, g: Result, rounds: Array<[Result, Result]>): string {
  const name = `${count} × ${rate}`
  if (!complete(b) || !complete(g)) return `- ${name}: **no ratio**: a side delivered under 95 % of the expected messages (bare ${pct(b.delivered / b.expected)}, gateway ${pct(g.delivered / g.expected)})`
  if (generator(b) >= SATURATED || generator(g) >= SATURATED) return `- ${name}: **no ratio**: the load generator saturated its core (${pct(generator(b))} / ${pct(generator(g))}); the figures are its limit, not the servers'`
  const capacity = b.usPerDelivery / g.usPerDelivery
  return `- ${name}: gateway ÷ bare capacity **${capacity.toFixed(2)}×** (target ≥ ${TARGETS.capacity}: ${capacity >= TARGETS.capacity ? 'met' : 'not met'}); ` +
    `gateway p99 **${g.p99Ms.toFixed(1)} ms** (target ≤ ${TARGETS.p99Ms}: ${g.p99Ms <= TARGETS.p99Ms ? 'met' : 'not met'}; bare ${b.p99Ms.toFixed(1)} ms); ` +
    `per-round capacity ratios ${rounds.map(([rb, rg]) => complete(rb) && complete(rg) ? (rb.usPerDelivery / rg.usPerDelivery).toFixed(2) : 'n/a').join(', ')}`
}

export async function fanoutBench (): Promise<string> {
  pinSelf(1)
  // No periodic pushes from the simulator: every ticker frame is the benchmark's.
  const sim = await startSimulator({ ws: { pushIntervalMs: 3_600_000, maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000 } })
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl], 0)
  const bare = await startRole('bare-ws', [sim.spotUrl, TOPIC], 0)
  const publish = (frame: string): void => { sim.ws.publishRaw('spot', TOPIC, frame) }
  // A gateway token admits any number of connections until it expires.
  const res = await fetch(`${gateway.info.url}/spot/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  const gatewayUrl = `${data.instanceServers[0]!.endpoint}?token=${data.token}`
  const rows: string[] = []
  const verdicts: string[] = []
  for (const { count, rate } of PLAN) {
    const rounds: Array<[Result, Result]> = []
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`  ${count} clients × ${rate} msgs/s, round ${round}/${ROUNDS} ...\n`)
      rounds.push([await run(bare, count, rate, bare.info.url!, false, publish), await run(gateway, count, rate, gatewayUrl, true, publish)])
    }
    const b = medianResult(rounds.map(r => r[0]))
    const g = medianResult(rounds.map(r => r[1]))
    rows.push(row('bare ws broadcast', count, rate, b), row('kucoin-gateway', count, rate, g))
    verdicts.push(verdict(count, rate, b, g, rounds))
  }
  process.stderr.write(`  ${IDLE_CLIENTS} idle clients ...\n`)
  const idle = { bare: await run(bare, IDLE_CLIENTS, 0, bare.info.url!, false, publish, 0, 0), gateway: await run(gateway, IDLE_CLIENTS, 0, gatewayUrl, true, publish, 0, 0) }
  stopAll()
  await sim.close()
  const pinning = canPin ? 'server under test alone on CPU 0; simulator (publishing) and client processes on CPU 1' : 'no pinning (taskset unavailable): the generator shares cores with the server'
  const idleKb = idle.gateway.rssKbPerClient
  // RSS moves by megabytes on its own (GC, allocator): under ~1000 clients the per-client figure is noise.
  const idleVerdict = IDLE_CLIENTS < 1000 || idleKb <= 0 ? `not judged: ${IDLE_CLIENTS} clients are too few to read RSS over its noise` : `target ≤ ${TARGETS.idleKb}: ${idleKb <= TARGETS.idleKb ? 'met' : 'not met'}`
  return [
    `One topic; ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured (+1 s to drain); ${pinning}; up to ${PER_PROCESS} clients per client process; ` +
      `median of ${ROUNDS} rounds, bare and gateway alternating. Latency: upstream send → client receive, every ${SAMPLE_EVERY}th client. ` +
      'Server CPU: user + system over the measured window; capacity = deliveries per CPU-second of the server. ' +
      `Generator CPU: the client processes plus the publishing process, as a share of their one core (≥ ${pct(SATURATED)} counts as saturated: no ratio).`,
    '',
    '| server | clients | msgs/s | delivered / expected | p50 ms | p99 ms | server CPU | CPU µs per delivery | capacity (deliveries per CPU-s) | generator CPU |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...verdicts,
    `- Idle RSS per client (${IDLE_CLIENTS} clients connected and subscribed, nothing published, after a full GC): gateway **${idleKb.toFixed(1)} KB** ` +
      `(${idleVerdict}), bare ws ${idle.bare.rssKbPerClient.toFixed(1)} KB.`
  ].join('\n')
}

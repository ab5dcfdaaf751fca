// bench/fanout: one upstream topic at R msgs/s to C downstream clients,
// through the gateway and, side by side in the same run, through a bare `ws`
// server that broadcasts each upstream frame's buffer to every client (the
// practical limit in Node). The server under test runs alone on CPU 0; the
// simulator (publishing from this process) and the clients, spread over
// several processes (bench/clients.ts), share CPU 1.
import { startSimulator } from '../src/simulator/index.js'
import { PER_PROCESS, SAMPLE_EVERY, medianResult, scenario, type Frame, type Result } from './lib/deliveries.js'
import { canPin, pinSelf, startRole, stopAll, type Served } from './lib/processes.js'

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

const pad = 'x'.repeat(200) // a KuCoin ticker frame is about 300 bytes
const frame: Frame = (n, measured) =>
  `{"type":"message","topic":"${TOPIC}","subject":"trade.ticker","data":{"t":${performance.timeOrigin + performance.now()},"m":${measured ? 1 : 0},"n":${n},"pad":"${pad}"}}`

function run (server: Served, count: number, rate: number, url: string, subscribe: boolean, publish: (frame: string) => void): Promise<Result> {
  return scenario(server, { count, rate, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connect: { url, topic: subscribe ? TOPIC : null }, frame, publish })
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
      results.bare.push(await run(bare, count, rate, bare.info.url!, false, publish))
      results.gateway.push(await run(gateway, count, rate, gatewayUrl, true, publish))
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

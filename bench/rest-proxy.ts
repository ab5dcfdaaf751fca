// bench/rest-proxy: the REST proxy against the simulator, in one run, each
// server in its own process:
//   direct     → the simulator itself (the floor)
//   http-proxy → a plain @fastify/http-proxy in front of it (the baseline)
//   gateway    → kucoin-gateway, public level1 (envelope checked)
//   signed     → kucoin-gateway, GET /api/v1/accounts (signed per request)
// then the added latency at half the gateway's maximum rate, and the cost of
// one signature. Ratios matter; absolute numbers depend on the machine.
import { DEMO_KEY } from '../src/simulator/index.js'
import { signRequest } from '../src/kucoin/signer.js'
import { fixedRate, maxThroughput, type FixedRate, type Throughput } from './lib/load.js'
import { canPin, pinSelf, startRole, stopAll } from './lib/processes.js'

const LEVEL1 = '/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)

function signCostUs (): number {
  const credentials = { ...DEMO_KEY }
  const n = 50_000
  for (let i = 0; i < 5000; i++) signRequest(credentials, String(Date.now()), 'GET', '/api/v1/accounts', '')
  const start = performance.now()
  for (let i = 0; i < n; i++) signRequest(credentials, String(Date.now()), 'GET', '/api/v1/accounts', '')
  return ((performance.now() - start) * 1000) / n
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/**
 * Open-loop latency at one rate, direct and through the gateway: a warm-up of
 * each (JIT, connection pools), then three alternating rounds; the median round
 * of each is reported, so one scheduler hiccup on a shared machine does not decide.
 */
async function addedLatency (directUrl: string, gatewayUrl: string, rate: number): Promise<{ direct: FixedRate, gateway: FixedRate }> {
  await fixedRate(directUrl, rate, 3)
  await fixedRate(gatewayUrl, rate, 3)
  const rounds: Array<{ direct: FixedRate, gateway: FixedRate }> = []
  for (let i = 0; i < 3; i++) rounds.push({ direct: await fixedRate(directUrl, rate, seconds / 2), gateway: await fixedRate(gatewayUrl, rate, seconds / 2) })
  const pick = (side: 'direct' | 'gateway'): FixedRate => ({
    ...rounds[0]![side],
    p50Us: median(rounds.map(r => r[side].p50Us)),
    p99Us: median(rounds.map(r => r[side].p99Us)),
    errors: rounds.reduce((n, r) => n + r[side].errors, 0)
  })
  return { direct: pick('direct'), gateway: pick('gateway') }
}

export async function restProxyBench (): Promise<string> {
  // Core 0: the proxy under test (gateway or http-proxy). Core 1: simulator and load generator.
  pinSelf(1)
  const sim = await startRole('simulator', [], 1)
  const { spotUrl, futuresUrl } = sim.info as { spotUrl: string, futuresUrl: string }
  const gateway = await startRole('gateway', [spotUrl, futuresUrl], 0)
  const proxy = await startRole('http-proxy', [spotUrl], 0)
  const gw = gateway.info.url!

  const rows: Array<[string, string, Throughput]> = []
  const measure = async (name: string, url: string): Promise<Throughput> => {
    process.stderr.write(`  ${name} ...`)
    const result = await maxThroughput(url, { seconds })
    process.stderr.write(` ${result.rps} req/s\n`)
    rows.push([name, url.replace(/http:\/\/127\.0\.0\.1:\d+/, ''), result])
    return result
  }
  const direct = await measure('direct to simulator', spotUrl + LEVEL1)
  const baseline = await measure('@fastify/http-proxy', proxy.info.url + '/spot' + LEVEL1)
  const publicCall = await measure('kucoin-gateway (public)', gw + '/spot' + LEVEL1)
  const signed = await measure('kucoin-gateway (signed /accounts)', gw + '/spot/api/v1/accounts')
  const directAccounts = await measure('direct to simulator (/accounts, unsigned → 400001)', spotUrl + '/api/v1/accounts')

  const half = Math.round(publicCall.rps / 2)
  process.stderr.write(`  fixed rate ${half} req/s ...\n`)
  const { direct: directAtHalf, gateway: gatewayAtHalf } = await addedLatency(spotUrl + LEVEL1, gw + '/spot' + LEVEL1, half)
  const sign = signCostUs()
  stopAll()

  const perRequestUs = 1e6 / publicCall.rps
  const lines = [
    canPin ? 'Pinned: the proxy under test on CPU 0; simulator and load generator on CPU 1.' : 'Not pinned (taskset or a second core missing): all processes share the CPUs.',
    '',
    '| scenario | path | req/s | p50 ms | p99 ms | errors/non-2xx |',
    '|---|---|---|---|---|---|',
    ...rows.map(([name, path, r]) => `| ${name} | \`${path}\` | ${r.rps} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors}/${r.non2xx} |`),
    '',
    `- gateway ÷ @fastify/http-proxy (public): **${(publicCall.rps / baseline.rps).toFixed(2)}×** (target ≥ 1.0×)`,
    `- gateway ÷ direct (public): ${(publicCall.rps / direct.rps).toFixed(2)}×`,
    `- one signature: ${sign.toFixed(1)} µs = **${((sign / perRequestUs) * 100).toFixed(1)}%** of a public call's ${perRequestUs.toFixed(0)} µs at max throughput (target < 10%)`,
    `- signed ÷ public through the gateway: ${(signed.rps / publicCall.rps).toFixed(2)}× (the simulator also verifies the signature and answers a different endpoint; direct unsigned /accounts: ${directAccounts.rps} req/s)`,
    `- at ${half} req/s (half the gateway's max), open loop, median of 3 rounds after a warm-up: direct p50 ${directAtHalf.p50Us} µs / p99 ${directAtHalf.p99Us} µs; gateway p50 ${gatewayAtHalf.p50Us} µs / p99 ${gatewayAtHalf.p99Us} µs → **added p99 ${((gatewayAtHalf.p99Us - directAtHalf.p99Us) / 1000).toFixed(2)} ms** (target < 1 ms); errors ${directAtHalf.errors}/${gatewayAtHalf.errors}`
  ]
  return lines.join('\n')
}

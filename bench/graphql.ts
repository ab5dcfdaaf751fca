// bench/graphql: the GraphQL API against the gateway's own baselines, in one run.
//   1. Throughput: the spot ticker (KuCoin level1) through the REST proxy and
//      through POST /graphql (mercurius, jit: 1) with nothing shared (every
//      request its own KuCoin call): rounds alternating on one gateway
//      process at a fixed rate below what saturates the generator, compared
//      by the gateway's CPU per request. Then, as fast as answers come, the
//      query with identical calls in flight shared and with the default
//      cache TTL: req/s, the KuCoin calls each request cost, and the load
//      generator's CPU (autocannon here, the simulator).
//   2. Subscriptions: C graphql-ws subscribers of one ticker against C
//      /spot/ws clients of the same topic, on the same gateway and the same
//      feed, rounds alternating; gateway CPU per delivery, latency (publish →
//      receive) and the generator's CPU (client processes and the publisher).
// The gateway runs alone on CPU 0; simulator, load and clients on CPU 1.
// Ratios are printed only when both sides did the full work (no errors, at
// least 95 % of the messages delivered) and the generator was not saturated.
import { startSimulator } from '../src/simulator/index.js'
import { PER_PROCESS, medianResult, now, scenario, sleep, type Frame, type Result } from './lib/deliveries.js'
import { maxThroughput, pacedThroughput, type RequestShape, type Throughput } from './lib/load.js'
import { canPin, pinSelf, procStat, startRole, stopAll, type Served } from './lib/processes.js'

const LEVEL1 = '/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const TICKER_QUERY = '{ spot { ticker(symbol: "BTC-USDT") { symbol sequence price size bestBid bestBidSize bestAsk bestAskSize time } } }'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
/** `subscribers x msgs/s` per scenario: the two cases. */
const PLAN = (process.env.GRAPHQL_PLAN ?? '200x50,1000x20').split(',').map(entry => {
  const [count, rate] = entry.split('x').map(Number)
  return { count: count!, rate: rate ?? 20 }
})
const ROUNDS = Number(process.env.GRAPHQL_ROUNDS ?? 5)
/** REST against the uncached query: the fixed rate both are offered (below what saturates the generator's core). */
const RATE = Number(process.env.GRAPHQL_RATE ?? 2500)
const TOPIC = '/market/ticker:BTC-USDT'
/** Above this share of its core the generator is saturated: its numbers are its own limit, not the gateway's. */
const SATURATED = 0.9

async function upstreamCalls (gateway: Served): Promise<number> {
  const res = await fetch(`${gateway.info.url}/__bench/graphql-upstream`)
  return ((await res.json()) as { calls: number }).calls
}

interface Row { name: string, result: Throughput, kucoinCallsPerRequest?: number, generatorCpu: number, simulatorCpu: number, gatewayUsPerRequest: number }

/** Max throughput of one URL (or its latencies at a paced `rate`), with the CPU of this process (autocannon) and of the simulator over the measured run. */
async function measure (name: string, url: string, simulator: Served, gateway: Served, request?: RequestShape, rate?: number): Promise<Row> {
  process.stderr.write(`  ${name} ...`)
  let before = 0
  let cpu = process.cpuUsage()
  let sim = 0
  let gw = 0
  let started = 0
  const options = {
    seconds,
    request,
    afterWarmup: async () => {
      if (request) before = await upstreamCalls(gateway)
      sim = (await procStat(simulator.child.pid!)).cpuTicks
      gw = (await procStat(gateway.child.pid!)).cpuTicks
      cpu = process.cpuUsage()
      started = performance.now()
    }
  }
  const result = rate === undefined ? await maxThroughput(url, options) : await pacedThroughput(url, rate, options)
  const elapsed = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const simulatorCpu = ((await procStat(simulator.child.pid!)).cpuTicks - sim) / 100 / elapsed
  const gatewayUsPerRequest = ((await procStat(gateway.child.pid!)).cpuTicks - gw) * 10_000 / Math.max(1, result.total)
  const calls = request ? (await upstreamCalls(gateway)) - before : undefined
  process.stderr.write(` ${result.rps} req/s\n`)
  return { name, result, kucoinCallsPerRequest: calls === undefined ? undefined : calls / result.total, generatorCpu: (used.user + used.system) / 1e6 / elapsed, simulatorCpu, gatewayUsPerRequest }
}

/** The median round by gateway CPU per request (its other columns from the same round). */
function medianRow (rounds: Row[]): Row {
  const sorted = [...rounds].sort((a, b) => a.gatewayUsPerRequest - b.gatewayUsPerRequest)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function throughput (): Promise<string> {
  const sim = await startRole('simulator', [], 1)
  const { spotUrl, futuresUrl } = sim.info as { spotUrl: string, futuresUrl: string }
  const post: RequestShape = { method: 'POST', body: JSON.stringify({ query: TICKER_QUERY }), headers: { 'content-type': 'application/json' } }
  const uncachedName = 'GraphQL uncached: every request its own KuCoin call (sharing and cache off)'
  // The comparison the issue sets: REST and the uncached query on the same gateway process (alone on CPU 0),
  // rounds alternating, so that a slow spell of the shared machine falls on both sides.
  const first = await startRole('gateway', [spotUrl, futuresUrl, 'KGW_CACHE_TTL_MS=0', 'KGW_SHARE_IN_FLIGHT=false'], 0)
  const restRounds: Row[] = []
  const uncachedRounds: Row[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`  round ${round}/${ROUNDS}\n`)
    restRounds.push(await measure('REST proxy', `${first.info.url}/spot${LEVEL1}`, sim, first, undefined, RATE))
    uncachedRounds.push(await measure(uncachedName, `${first.info.url}/graphql`, sim, first, post, RATE))
  }
  first.child.kill('SIGKILL')
  const rest = medianRow(restRounds)
  const uncached = medianRow(uncachedRounds)
  const rows: Row[] = [rest, uncached]
  // One gateway process per further configuration, measured once each (GRAPHQL_VARIANTS=off: none, for quick A/B runs).
  const variants: Array<[string, string[]]> = process.env.GRAPHQL_VARIANTS === 'off'
    ? []
    : [
        ['GraphQL, identical calls in flight shared (cache off)', ['KGW_CACHE_TTL_MS=0']],
        ['GraphQL, shared in flight and a 250 ms micro-cache (KGW_CACHE_TTL_MS=250)', ['KGW_CACHE_TTL_MS=250']]
      ]
  for (const [name, env] of variants) {
    const gateway = await startRole('gateway', [spotUrl, futuresUrl, ...env], 0)
    rows.push(await measure(name, `${gateway.info.url}/graphql`, sim, gateway, post))
    gateway.child.kill('SIGKILL')
  }
  stopAll()
  const clean = (row: Row): boolean => row.result.errors === 0 && row.result.non2xx === 0
  const saturated = (row: Row): boolean => row.generatorCpu + row.simulatorCpu >= SATURATED
  const full = (row: Row): boolean => row.result.total >= 0.95 * RATE * seconds
  const all = [...restRounds, ...uncachedRounds]
  const calls = (row: Row): string => row.kucoinCallsPerRequest === undefined ? '1' : row.kucoinCallsPerRequest.toFixed(3)
  const cpu = (row: Row): string => `${Math.round(row.generatorCpu * 100)}% + ${Math.round(row.simulatorCpu * 100)}%`
  const perRound = restRounds.map((r, i) => (r.gatewayUsPerRequest / uncachedRounds[i]!.gatewayUsPerRequest).toFixed(2)).join(', ')
  const verdict = !all.every(clean)
    ? 'not printed: a round had errors or non-2xx answers'
    : !all.every(full)
        ? `not printed: a round answered under 95 % of ${RATE} req/s`
        : all.some(saturated)
          ? 'not printed: the generator\'s core was saturated in a round'
          : `REST ÷ GraphQL gateway CPU per request = **${(rest.gatewayUsPerRequest / uncached.gatewayUsPerRequest).toFixed(2)}×** ` +
            `(target ≥ 0.8; per round ${perRound})`
  return [
    `\`POST /graphql\` \`${TICKER_QUERY}\` against \`GET /spot${LEVEL1}\` (the same KuCoin call), 50 connections, ${seconds} s after a 3 s warm-up; ` +
      'generator: this process (undici or autocannon) and the simulator, both on CPU 1, the gateway alone on CPU 0.',
    '',
    `REST and the uncached query, on one gateway process, ${ROUNDS} rounds alternating, paced evenly at ${RATE} req/s (GRAPHQL_RATE; undici from this process, latency per request): ` +
      'as fast as answers come, the simulator and autocannon fill their core before the gateway fills its own, so the gateway\'s cost per request is compared at a rate neither core is saturated at. The median round of each:',
    '',
    '| path | req/s asked / answered | p50 ms | p99 ms | KuCoin calls per request | errors/non-2xx | gateway CPU µs per request | gateway core busy | generator CPU (load + simulator) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...[rest, uncached].map(row => `| ${row.name} | ${RATE} / ${row.result.rps} | ${row.result.p50Ms.toFixed(2)} | ${row.result.p99Ms.toFixed(2)} | ${calls(row)} | ${row.result.errors}/${row.result.non2xx} | ` +
      `${Math.round(row.gatewayUsPerRequest)} | ${Math.round(row.result.rps * row.gatewayUsPerRequest / 1e4)}% | ${cpu(row)} |`),
    '',
    `- The uncached ticker query against the REST pass-through: ${verdict}`,
    ...(variants.length === 0
      ? []
      : [
          '',
          'What sharing and the micro-cache do for GraphQL, as fast as answers come (one gateway process each):',
          '',
          '| path | req/s | p50 ms | p99 ms | KuCoin calls per request | errors/non-2xx | gateway CPU µs per request | generator CPU (autocannon + simulator) |',
          '|---|---|---|---|---|---|---|---|',
          ...rows.slice(2).map(row => `| ${row.name} | ${row.result.rps} | ${row.result.p50Ms} | ${row.result.p99Ms} | ` +
            `${calls(row)} | ${row.result.errors}/${row.result.non2xx} | ${Math.round(row.gatewayUsPerRequest)} | ${cpu(row)} |`)
        ])
  ].join('\n')
}

/**
 * A KuCoin ticker frame that both clients can time: `"t"`/`"m"` for the
 * /spot/ws clients, and the same values in `sequence`/`size`, which the
 * GraphQL query selects under the aliases `t` and `m`.
 */
const tickerFrame: Frame = (n, measured) => {
  const t = now()
  const m = measured ? 1 : 0
  return `{"type":"message","topic":"${TOPIC}","subject":"trade.ticker","data":{"t":${t},"m":${m},"n":${n},"sequence":"${t}","size":"${m}",` +
    `"price":"67000.1","bestAsk":"67000.2","bestAskSize":"1.5","bestBid":"67000.1","bestBidSize":"2.5","time":${Math.floor(t)}}}`
}
const SUBSCRIPTION = 'subscription { spotTicker(symbol: "BTC-USDT") { t: sequence m: size symbol price bestBid bestAsk time } }'

async function subscriptions (gateway: Served, count: number): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const text = await (await fetch(`${gateway.info.url}/metrics`)).text()
    if (Number(/^kgw_graphql_subscriptions (\d+)/m.exec(text)?.[1]) === count) return
    await sleep(100)
  }
  throw new Error(`the gateway never had ${count} GraphQL subscriptions`)
}

const complete = (r: Result): boolean => r.delivered >= 0.95 * r.expected
const generator = (r: Result): number => r.clientCpu + r.publisherCpu

function row (name: string, count: number, rate: number, r: Result): string {
  return `| ${name} | ${count} | ${rate} | ${r.delivered} / ${r.expected} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${Math.round(r.serverCpu * 100)}% | ` +
    `${r.usPerDelivery.toFixed(2)} | ${r.rssKbPerClient.toFixed(1)} | ${Math.round(generator(r) * 100)}% (clients ${Math.round(r.clientCpu * 100)}%, publisher ${Math.round(r.publisherCpu * 100)}%) |`
}

function verdict (count: number, rate: number, spot: Result, graphql: Result, rounds: Array<[Result, Result]>): string {
  const name = `${count} × ${rate}`
  if (!complete(spot) || !complete(graphql)) return `- ${name}: no ratio, a side delivered under 95 % of the messages`
  if (generator(spot) >= SATURATED || generator(graphql) >= SATURATED) return `- ${name}: no ratio, the generator saturated its core (${Math.round(generator(spot) * 100)}% / ${Math.round(generator(graphql) * 100)}%)`
  const cost = graphql.usPerDelivery / spot.usPerDelivery
  const p99 = graphql.p99Ms / spot.p99Ms
  return `- ${name}: GraphQL ÷ /spot/ws CPU per delivery **${cost.toFixed(2)}×** (target ≤ 1.3); p99 ${graphql.p99Ms.toFixed(1)} / ${spot.p99Ms.toFixed(1)} ms = **${p99.toFixed(2)}×** (target ≤ 2); ` +
    `per-round cost ratios ${rounds.map(([s, g]) => (g.usPerDelivery / s.usPerDelivery).toFixed(2)).join(', ')}`
}

async function deliveries (): Promise<string> {
  // No periodic pushes from the simulator: every ticker frame is the benchmark's.
  const sim = await startSimulator({ ws: { pushIntervalMs: 3_600_000, maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000 } })
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl], 0)
  const publish = (frame: string): void => { sim.ws.publishRaw('spot', TOPIC, frame) }
  const res = await fetch(`${gateway.info.url}/spot/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  const spotUrl = `${data.instanceServers[0]!.endpoint}?token=${data.token}`
  const graphqlUrl = `${gateway.info.url!.replace('http', 'ws')}/graphql`
  const window = seconds
  const rows: string[] = []
  const verdicts: string[] = []
  for (const { count, rate } of PLAN) {
    const rounds: Array<[Result, Result]> = []
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`  ${count} subscribers × ${rate} msgs/s, round ${round}/${ROUNDS} ...\n`)
      const common = { count, rate, seconds: window, warmupSeconds: 1, frame: tickerFrame, publish }
      const spot = await scenario(gateway, { ...common, connect: { url: spotUrl, topic: TOPIC } })
      const graphql = await scenario(gateway, { ...common, connect: { url: graphqlUrl, topic: null, graphql: SUBSCRIPTION }, ready: () => subscriptions(gateway, count) })
      rounds.push([spot, graphql])
    }
    const spot = medianResult(rounds.map(r => r[0]))
    const graphql = medianResult(rounds.map(r => r[1]))
    rows.push(row('/spot/ws (KuCoin protocol)', count, rate, spot), row('GraphQL (graphql-ws)', count, rate, graphql))
    verdicts.push(verdict(count, rate, spot, graphql, rounds))
  }
  stopAll()
  await sim.close()
  const pinning = canPin ? 'the gateway alone on CPU 0; simulator (publishing from the bench process) and client processes on CPU 1' : 'no pinning (taskset unavailable)'
  return [
    `One ticker topic, the same gateway and feed for both paths, rounds alternating /spot/ws and GraphQL; 1 s warm-up, ${window} s measured (+1 s to drain); ${pinning}; ` +
      `up to ${PER_PROCESS} clients per client process; median of ${ROUNDS} rounds. Each GraphQL subscriber has its own subscription id (as graphql-ws clients make them). ` +
      'Latency: publish → receive, every 10th client. Gateway CPU: user + system over the measured window. Generator: the client processes and the publishing process, as a share of their one core.',
    '',
    '| path | subscribers | msgs/s | delivered / expected | p50 ms | p99 ms | gateway CPU | CPU µs per delivery | RSS KB per client | generator CPU |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...verdicts
  ].join('\n')
}

/** GRAPHQL_PARTS picks the parts to run (default both). */
const PARTS = new Set((process.env.GRAPHQL_PARTS ?? 'throughput,subscriptions').split(','))

export async function graphqlBench (): Promise<string> {
  pinSelf(1)
  const parts: string[] = []
  if (PARTS.has('throughput')) parts.push(`#### Throughput\n\n${await throughput()}`)
  if (PARTS.has('subscriptions')) parts.push(`#### Subscriptions\n\n${await deliveries()}`)
  return parts.join('\n\n')
}

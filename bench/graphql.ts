// bench/graphql: the GraphQL API against the REST proxy, in one run.
//   1. Throughput: the spot ticker (KuCoin level1) through the REST proxy and
//      through POST /graphql (mercurius, jit: 1), with the cache off (only
//      identical calls in flight are shared) and at its default TTL; and the
//      KuCoin calls each GraphQL request cost.
//   2. Subscriptions: 1000 graphql-ws subscribers on one ticker, the
//      simulator publishing R frames/s: deliveries per second, latency
//      (publish → receive), and the gateway's CPU.
// The gateway runs alone on CPU 0; simulator, load and clients on CPU 1.
import WebSocket from 'ws'
import { startSimulator } from '../src/simulator/index.js'
import { maxThroughput, type Throughput } from './lib/load.js'
import { pinSelf, procStat, startRole, stopAll, type Served } from './lib/processes.js'

const LEVEL1 = '/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const TICKER_QUERY = '{ spot { ticker(symbol: "BTC-USDT") { symbol sequence price size bestBid bestBidSize bestAsk bestAskSize time } } }'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const SUBSCRIBERS = Number(process.env.GRAPHQL_SUBSCRIBERS ?? 1000)
const RATES = (process.env.GRAPHQL_RATES ?? '10,100').split(',').map(Number)
const TOPIC = '/market/ticker:BTC-USDT'

async function upstreamCalls (gateway: Served): Promise<number> {
  const res = await fetch(`${gateway.info.url}/__bench/graphql-upstream`)
  return ((await res.json()) as { calls: number }).calls
}

interface Row { name: string, result: Throughput, kucoinCallsPerRequest?: number }

async function graphqlRow (name: string, gateway: Served): Promise<Row> {
  process.stderr.write(`  ${name} ...`)
  let before = 0
  const result = await maxThroughput(`${gateway.info.url}/graphql`, {
    seconds,
    request: { method: 'POST', body: JSON.stringify({ query: TICKER_QUERY }), headers: { 'content-type': 'application/json' } },
    afterWarmup: async () => { before = await upstreamCalls(gateway) }
  })
  const calls = await upstreamCalls(gateway) - before
  process.stderr.write(` ${result.rps} req/s\n`)
  return { name, result, kucoinCallsPerRequest: calls / result.total }
}

async function throughput (): Promise<string> {
  const sim = await startRole('simulator', [], 1)
  const { spotUrl, futuresUrl } = sim.info as { spotUrl: string, futuresUrl: string }
  // One gateway process per configuration, each alone on CPU 0 while it is measured.
  const variants: Array<[string, string[]]> = [
    ['GraphQL, every request its own KuCoin call (sharing and cache off)', ['KGW_GRAPHQL_CACHE_TTL_MS=0', 'KGW_GRAPHQL_SHARE_IN_FLIGHT=false']],
    ['GraphQL, identical calls in flight shared (cache off)', ['KGW_GRAPHQL_CACHE_TTL_MS=0']],
    ['GraphQL, default (shared in flight, cache TTL 250 ms)', []]
  ]
  const first = await startRole('gateway', [spotUrl, futuresUrl, ...variants[0]![1]], 0)
  process.stderr.write('  REST proxy ...')
  const rest = await maxThroughput(`${first.info.url}/spot${LEVEL1}`, { seconds })
  process.stderr.write(` ${rest.rps} req/s\n`)
  const rows: Row[] = [{ name: 'REST proxy', result: rest }]
  for (const [i, [name, env]] of variants.entries()) {
    const gateway = i === 0 ? first : await startRole('gateway', [spotUrl, futuresUrl, ...env], 0)
    rows.push(await graphqlRow(name, gateway))
    gateway.child.kill('SIGKILL')
  }
  stopAll()
  const ratio = (row: Row): string => (row.result.rps / rest.rps).toFixed(2)
  return [
    `\`POST /graphql\` \`${TICKER_QUERY}\` against \`GET /spot${LEVEL1}\` (the same KuCoin call), 50 connections, ${seconds} s after a 3 s warm-up.`,
    '',
    '| path | req/s | ÷ REST | p50 ms | p99 ms | KuCoin calls per request | errors/non-2xx |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(row => `| ${row.name} | ${row.result.rps} | ${ratio(row)}× | ${row.result.p50Ms} | ${row.result.p99Ms} | ${row.kucoinCallsPerRequest === undefined ? '1' : row.kucoinCallsPerRequest.toFixed(3)} | ${row.result.errors}/${row.result.non2xx} |`)
  ].join('\n')
}

interface Subscribers { sockets: WebSocket[], received: number, latencies: number[] }

/** graphql-transport-ws clients, each subscribed to the ticker; resolves once all are acknowledged. */
async function connectSubscribers (gatewayUrl: string, count: number): Promise<Subscribers> {
  const subs: Subscribers = { sockets: [], received: 0, latencies: [] }
  const query = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { spotTicker(symbol: "BTC-USDT") { price sequence time } }' } })
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, async (_, j) => {
      const ws = new WebSocket(`${gatewayUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false })
      const sample = (i + j) % 10 === 0 // latency from every tenth subscriber keeps the samples bounded
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject)
        ws.once('open', () => ws.send('{"type":"connection_init","payload":{}}'))
        ws.on('message', (data: Buffer) => {
          const text = data.toString()
          if (text.includes('"connection_ack"')) { ws.send(query); resolve(); return }
          if (!text.includes('"next"')) return
          subs.received++
          if (sample) subs.latencies.push(Date.now() - (JSON.parse(text) as { payload: { data: { spotTicker: { time: number } } } }).payload.data.spotTicker.time)
        })
      })
      subs.sockets.push(ws)
    }))
  }
  return subs
}

function tickerFrame (n: number): string {
  return JSON.stringify({
    type: 'message',
    topic: TOPIC,
    subject: 'trade.ticker',
    data: { sequence: String(n), price: '67000.1', size: '0.01', bestAsk: '67000.2', bestAskSize: '1.5', bestBid: '67000.1', bestBidSize: '2.5', time: Date.now() }
  })
}

async function deliveries (): Promise<string> {
  // No periodic pushes from the simulator: every ticker frame is the benchmark's.
  const sim = await startSimulator({ ws: { pushIntervalMs: 3_600_000, maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000 } })
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl], 0)
  const pid = gateway.child.pid!
  const rows: string[] = []
  const window = seconds / 2
  for (const rate of RATES) {
    process.stderr.write(`  ${SUBSCRIBERS} subscribers at ${rate} msgs/s ...\n`)
    const subs = await connectSubscribers(gateway.info.url!, SUBSCRIBERS)
    await new Promise(resolve => setTimeout(resolve, 1000)) // the upstream subscription settles
    const idle = (await procStat(pid)).cpuTicks
    const start = performance.now()
    let sent = 0
    while (performance.now() - start < window * 1000) {
      const due = Math.floor(((performance.now() - start) * rate) / 1000)
      for (; sent < due; sent++) sim.ws.publishRaw('spot', TOPIC, tickerFrame(sent))
      await new Promise(resolve => setTimeout(resolve, 1))
    }
    await new Promise(resolve => setTimeout(resolve, 1000))
    const cpu = ((await procStat(pid)).cpuTicks) - idle
    for (const ws of subs.sockets) ws.terminate()
    subs.latencies.sort((a, b) => a - b)
    const pct = (q: number): number => subs.latencies[Math.floor(q * subs.latencies.length)] ?? NaN
    rows.push(`| ${SUBSCRIBERS} | ${rate} | ${sent} | ${subs.received} / ${sent * SUBSCRIBERS} | ${Math.round(subs.received / window)} | ${pct(0.5)} | ${pct(0.99)} | ${((cpu / 100 / (window + 1)) * 100).toFixed(0)}% | ${((cpu * 10_000) / Math.max(1, subs.received)).toFixed(1)} |`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  stopAll()
  await sim.close()
  return [
    `${SUBSCRIBERS} graphql-ws subscribers of \`spotTicker(symbol: "BTC-USDT")\`, one upstream topic, the simulator publishing for ${window} s. Latency: publish → receive (ms clock), every tenth subscriber. A ticker is a state topic: a subscriber that falls behind gets the latest frame, so delivered can be below expected.`,
    '',
    '| subscribers | msgs/s | sent | delivered / expected | delivered msgs/s | p50 ms | p99 ms | gateway CPU | CPU µs per delivery |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows
  ].join('\n')
}

export async function graphqlBench (): Promise<string> {
  pinSelf(1)
  return `#### Throughput\n\n${await throughput()}\n\n#### Subscriptions\n\n${await deliveries()}`
}

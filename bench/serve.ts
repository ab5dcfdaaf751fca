// One server per process, so the load generator, the simulator and the
// system under test do not share an event loop. Prints one JSON line with the
// URLs it listens on, then serves until killed.
//   tsx bench/serve.ts simulator [Pool=quota ... window=ms]   (quotas given: those pools limited, others not)
//   tsx bench/serve.ts gateway <spotUrl> <futuresUrl> [NAME=value ...]
//   tsx bench/serve.ts http-proxy <spotUrl>
//   tsx bench/serve.ts bare-ws <spotUrl> <topic>
import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'
import WebSocket, { WebSocketServer } from 'ws'

// The gateway and simulator run from the compiled dist/ (as `npm start` does),
// not through the TypeScript loader, whose helpers would be measured too.
// bench/run.ts builds first.
const dist = new URL('../dist/', import.meta.url).href
const { buildApp } = await import(dist + 'app.js') as typeof import('../src/app.js')
const { loadConfig } = await import(dist + 'config.js') as typeof import('../src/config.js')
const { DEMO_KEY, startSimulator } = await import(dist + 'simulator/index.js') as typeof import('../src/simulator/index.js')

const [role, ...args] = process.argv.slice(2)
// The simulator's quotas, equal to the gateway's (UNGOVERNED below): the governor
// keeps a reserve as a share of KuCoin's reported limit, so the two must agree.
const UNLIMITED = 10_000_000

function address (server: { address: () => unknown }): string {
  const a = server.address() as { port: number }
  return `http://127.0.0.1:${a.port}`
}

async function main (): Promise<void> {
  if (role === 'simulator') {
    // Rate limits out of the way: the benchmark measures the proxy, not KuCoin's quotas.
    // bench/governor limits some pools on purpose (Pool=quota args, window=ms).
    const rateLimits: Record<string, number> = Object.fromEntries(['Public', 'Spot', 'Futures', 'Management', 'Earn', 'CopyTrading', 'Broker'].map(p => [p, UNLIMITED]))
    let rateWindowMs: number | undefined
    for (const [name, value] of args.map(pair => pair.split('=', 2) as [string, string])) {
      if (name === 'window') rateWindowMs = Number(value)
      else rateLimits[name] = Number(value)
    }
    const sim = await startSimulator({ rateLimits, rateWindowMs })
    console.log(JSON.stringify({ spotUrl: sim.spotUrl, futuresUrl: sim.futuresUrl }))
  } else if (role === 'gateway') {
    const config = loadConfig({
      LOG_LEVEL: 'warn',
      KUCOIN_SPOT_URL: args[0],
      KUCOIN_FUTURES_URL: args[1],
      KUCOIN_API_KEY: DEMO_KEY.key,
      KUCOIN_API_SECRET: DEMO_KEY.secret,
      KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
      // The simulator here is unlimited, so the governor's quotas are out of reach too:
      // benchmarks measure the proxy, not the budget (bench/governor sets its own).
      KGW_RATE_LIMIT_QUOTAS: UNGOVERNED,
      // NAME=value, split at the first `=` (values such as KGW_RATE_LIMIT_QUOTAS=Spot=200 hold more).
      ...Object.fromEntries(args.slice(2).map(pair => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
    })
    const app = await buildApp(config)
    // Bench only: how many KuCoin calls the GraphQL queries cost.
    app.get('/__bench/graphql-upstream', async () => app.kucoin.shared.stats)
    // Bench only: memory after full collections (bench/books' memory per book).
    app.get('/__bench/memory', async () => {
      const gc = (globalThis as { gc?: () => void }).gc
      if (gc === undefined) throw new Error('the gateway runs without --expose-gc')
      for (let i = 0; i < 3; i++) gc()
      return process.memoryUsage()
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(JSON.stringify({ url: address(app.server) }))
  } else if (role === 'http-proxy') {
    // The baseline: a plain @fastify/http-proxy with the same logging level.
    const app = Fastify({ logger: { level: 'warn' } })
    await app.register(httpProxy, { upstream: args[0]!, prefix: '/spot' })
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(JSON.stringify({ url: address(app.server) }))
  } else if (role === 'bare-ws') {
    await bareBroadcast(args[0]!, args[1]!)
  } else {
    throw new Error(`unknown role ${String(role)}`)
  }
}

const UNGOVERNED = ['Public', 'Spot', 'Futures', 'Management', 'Earn', 'CopyTrading', 'Broker'].map(pool => `${pool}=10000000`).join(',')

/**
 * The fan-out baseline: one upstream KuCoin connection, one topic, and each
 * upstream frame's buffer sent as is to every connected client. No topics,
 * no limits, no protocol: the practical limit of ws in Node.
 */
async function bareBroadcast (spotUrl: string, topic: string): Promise<void> {
  const res = await fetch(`${spotUrl}/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  const upstream = new WebSocket(`${data.instanceServers[0]!.endpoint}?token=${data.token}`, { perMessageDeflate: false })
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  const listening = new Promise(resolve => server.once('listening', resolve))
  server.on('connection', client => { client.send('{"type":"welcome"}') })
  upstream.on('message', (frame: Buffer) => {
    for (const client of server.clients) client.send(frame, { binary: false })
  })
  await new Promise(resolve => upstream.once('open', resolve))
  upstream.send(JSON.stringify({ id: '1', type: 'subscribe', topic, response: true }))
  setInterval(() => upstream.send(JSON.stringify({ id: 'p', type: 'ping' })), 15_000).unref()
  await listening
  console.log(JSON.stringify({ url: `ws://127.0.0.1:${(server.address() as { port: number }).port}` }))
}

// A clean exit on SIGINT lets `node --cpu-prof` write its profile.
process.once('SIGINT', () => process.exit(0))
// bench/fanout reads RSS after a full collection (startRole runs us with --expose-gc).
process.on('SIGUSR2', () => { (globalThis as { gc?: () => void }).gc?.() })

main().catch(error => {
  console.error(error)
  process.exit(1)
})

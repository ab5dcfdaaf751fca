// One server per process, so the load generator, the simulator and the
// system under test do not share an event loop. Prints one JSON line with the
// URLs it listens on, then serves until killed.
//   tsx bench/serve.ts simulator
//   tsx bench/serve.ts gateway <spotUrl> <futuresUrl>
//   tsx bench/serve.ts http-proxy <spotUrl>
import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'

// The gateway and simulator run from the compiled dist/ (as `npm start` does),
// not through the TypeScript loader, whose helpers would be measured too.
// bench/run.ts builds first.
const dist = new URL('../dist/', import.meta.url).href
const { buildApp } = await import(dist + 'app.js') as typeof import('../src/app.js')
const { loadConfig } = await import(dist + 'config.js') as typeof import('../src/config.js')
const { DEMO_KEY, startSimulator } = await import(dist + 'simulator/index.js') as typeof import('../src/simulator/index.js')

const [role, ...args] = process.argv.slice(2)
const UNLIMITED = 1e12

function address (server: { address: () => unknown }): string {
  const a = server.address() as { port: number }
  return `http://127.0.0.1:${a.port}`
}

async function main (): Promise<void> {
  if (role === 'simulator') {
    // Rate limits out of the way: the benchmark measures the proxy, not KuCoin's quotas.
    const rateLimits = Object.fromEntries(['Public', 'Spot', 'Futures', 'Management', 'Earn', 'CopyTrading', 'Broker'].map(p => [p, UNLIMITED]))
    const sim = await startSimulator({ rateLimits })
    console.log(JSON.stringify({ spotUrl: sim.spotUrl, futuresUrl: sim.futuresUrl }))
  } else if (role === 'gateway') {
    const config = loadConfig({
      LOG_LEVEL: 'warn',
      KUCOIN_SPOT_URL: args[0],
      KUCOIN_FUTURES_URL: args[1],
      KUCOIN_API_KEY: DEMO_KEY.key,
      KUCOIN_API_SECRET: DEMO_KEY.secret,
      KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase
    })
    const app = await buildApp(config)
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(JSON.stringify({ url: address(app.server) }))
  } else if (role === 'http-proxy') {
    // The baseline: a plain @fastify/http-proxy with the same logging level.
    const app = Fastify({ logger: { level: 'warn' } })
    await app.register(httpProxy, { upstream: args[0]!, prefix: '/spot' })
    await app.listen({ host: '127.0.0.1', port: 0 })
    console.log(JSON.stringify({ url: address(app.server) }))
  } else {
    throw new Error(`unknown role ${String(role)}`)
  }
}

// A clean exit on SIGINT lets `node --cpu-prof` write its profile.
process.once('SIGINT', () => process.exit(0))

main().catch(error => {
  console.error(error)
  process.exit(1)
})

// Process entry: read the config (every problem at once, before listening),
// start the embedded simulator for --simulate, build the app, listen, and
// close gracefully on SIGINT/SIGTERM, within KGW_SHUTDOWN_TIMEOUT_MS whatever
// the log reader does (log-destination.ts).
import { parseArgs } from 'node:util'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { logDestination } from './log-destination.js'
import { DEMO_KEY, startSimulator, type Simulator } from './simulator/index.js'

const USAGE = `usage: npm start [-- --simulate]

  --simulate   run the embedded KuCoin simulator in this process and point the
               gateway at it with demo credentials (same as KGW_SIMULATE=true)

Configuration comes from the environment; see docs/configuration.md.`

function readArgs (): { simulate: boolean } {
  try {
    const { values } = parseArgs({ options: { simulate: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
    if (values.help) {
      console.log(USAGE)
      process.exit(0)
    }
    return { simulate: values.simulate === true }
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
}

function readConfig (simulate: boolean): Config {
  try {
    return loadConfig(process.env, { simulate })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`kucoin-gateway: ${error.message}`)
    process.exit(1)
  }
}

/** In simulate mode both upstreams are the local simulator and the keys are its demo keys. */
async function withSimulator (config: Config): Promise<{ config: Config, simulator: Simulator | undefined }> {
  if (!config.simulate) return { config, simulator: undefined }
  const simulator = await startSimulator()
  const { key, secret, passphrase, version } = DEMO_KEY
  return {
    simulator,
    config: Object.freeze({ ...config, spotUrl: simulator.spotUrl, futuresUrl: simulator.futuresUrl, credentials: { key, secret, passphrase, version } })
  }
}

async function main (): Promise<void> {
  const args = readArgs()
  const { config, simulator } = await withSimulator(readConfig(args.simulate))
  const logs = logDestination()
  const app = await buildApp(config, logs === undefined ? {} : { logStream: logs })
  if (simulator) app.log.info({ spot: simulator.spotUrl, futures: simulator.futuresUrl }, 'simulate mode: KuCoin simulator started, demo credentials in use')

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const deadline = Date.now() + config.shutdownTimeoutMs
    setTimeout(() => {
      app.log.error('shutdown deadline passed, exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs).unref()
    // The last lines get a second, or half of what is left of the deadline, to reach a slow log reader.
    const exit = (code: number) => async (): Promise<never> => {
      await logs?.flush(Math.min(1000, Math.max(0, deadline - Date.now()) / 2))
      process.exit(code)
    }
    app.close()
      .then(() => simulator?.close())
      .then(exit(0), async (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        await exit(1)()
      })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)

  const url = await app.listen({ host: config.host, port: config.port })
  app.log.info({ url, spot: app.kucoin.origins.spot, futures: app.kucoin.origins.futures, signing: config.credentials !== undefined },
    `kucoin-gateway on ${url}: REST /spot/... and /futures/..., GraphiQL ${url}/graphiql, API docs ${url}/docs, metrics /metrics; ` +
    `KuCoin spot ${app.kucoin.origins.spot}, futures ${app.kucoin.origins.futures}, ${config.credentials ? 'private calls signed with the configured key' : 'no KuCoin key: public market data only'}`)
}

interface SystemError extends Error { code?: string, address?: string, port?: number }

/** The failures a person can fix from the message alone, said without a stack. */
function startFailure (error: SystemError): string | undefined {
  const where = `${error.address ?? 'the host'} port ${error.port ?? '?'}`
  if (error.code === 'EADDRINUSE') return `${where} is already in use (another gateway still running?): stop it, or start on another port with PORT=...`
  if (error.code === 'EACCES') return `no permission to listen on ${where}: ports below 1024 need privileges; use PORT=8080 or similar`
  if (error.code === 'EADDRNOTAVAIL') return `${error.address ?? 'the address'} is not an address of this machine: check HOST`
  return undefined
}

main().catch((error: unknown) => {
  const plain = startFailure(error as SystemError)
  if (plain !== undefined) console.error(`kucoin-gateway: ${plain}`)
  else console.error('kucoin-gateway failed to start:', error)
  process.exit(1)
})

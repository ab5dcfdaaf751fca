// Starts a real simulator and a real gateway, both on 127.0.0.1:0, and tears
// them down with the test. Tests talk to the gateway over HTTP with undici.
//
// Every gateway logs at trace level into memory, and every response a test
// reads is kept: at teardown neither they nor a last /metrics scrape may contain a secret (the configured
// key, secret, passphrase or its HMAC, client tokens, any signature KuCoin
// saw, an unredacted WebSocket token). So the whole suite checks redaction.
import type { FastifyInstance } from 'fastify'
import { request as undiciRequest } from 'undici'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config, type Env } from '../src/config.js'
import { secretsOf } from '../src/logging.js'
import { DEMO_KEY, startSimulator, type SimKey, type Simulator, type SimulatorOptions } from '../src/simulator/index.js'

export interface TestContext {
  teardown: (fn: () => unknown) => void
}

export interface GatewayOptions {
  env?: Env
  simulator?: SimulatorOptions
  /** Which key the gateway signs with: the simulator's demo key (default), another, or none. */
  key?: SimKey | 'none'
  /** Wait for the first time sync before returning (default true). */
  synced?: boolean
}

export interface Gateway {
  app: FastifyInstance
  sim: Simulator
  url: string
  get: (path: string, headers?: Record<string, string>) => Promise<Reply>
  call: (method: string, path: string, options?: { headers?: Record<string, string>, body?: string | Buffer }) => Promise<Reply>
  /** Every log line the gateway wrote so far (JSON text), and the responses tests read. */
  captured: string[]
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: <T = any>() => T
}

function keyEnv (key: SimKey | 'none'): Env {
  if (key === 'none') return {}
  return { KUCOIN_API_KEY: key.key, KUCOIN_API_SECRET: key.secret, KUCOIN_API_PASSPHRASE: key.passphrase, KUCOIN_API_KEY_VERSION: String(key.version) }
}

export async function startGateway (t: TestContext, options: GatewayOptions = {}): Promise<Gateway> {
  const sim = await startSimulator(options.simulator)
  t.teardown(() => sim.close())
  const config = loadConfig({
    LOG_LEVEL: 'trace',
    ...keyEnv(options.key ?? DEMO_KEY),
    ...options.env,
    KUCOIN_SPOT_URL: sim.spotUrl,
    KUCOIN_FUTURES_URL: sim.futuresUrl
  })
  const captured: string[] = []
  const app = await buildApp(config, { logStream: { write: line => { captured.push(line) } } })
  t.teardown(async () => {
    captured.push((await app.inject('/metrics').catch(() => ({ body: '' }))).body)
    await app.close()
    assertNoSecrets(config, sim, captured)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  if (options.synced !== false) await Promise.all(Object.values(app.kucoin.clocks).map(c => c.sync().catch(() => {})))
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const call: Gateway['call'] = async (method, path, { headers, body } = {}) => {
    const res = await undiciRequest(url + path, { method: method as 'GET', headers, body })
    const text = await res.body.text()
    captured.push(text, JSON.stringify(res.headers))
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }
  }
  return { app, sim, url, call, get: (path, headers) => call('GET', path, { headers }), captured }
}

/** The requests the simulator saw whose path starts with `path` (ignores time syncs by default). */
export function seen (sim: Simulator, path: string): Simulator['requests'] {
  return sim.requests.filter(r => r.url.startsWith(path))
}

const UNREDACTED_TOKEN = /[?&]token=[\w.~-]{8,}/

/** Throws (failing the test file) naming, never quoting, whatever leaked. */
function assertNoSecrets (config: Config, sim: Simulator, captured: string[]): void {
  const secrets = new Map(secretsOf(config).map((s, i) => [s, `configured secret #${i + 1}`]))
  for (const r of sim.requests) {
    const sign = r.headers['kc-api-sign']
    if (typeof sign === 'string') secrets.set(sign, `the signature of ${r.method} ${r.url}`)
  }
  const text = captured.join('\n')
  const leaks = [...secrets].filter(([secret]) => text.includes(secret)).map(([, what]) => what)
  if (UNREDACTED_TOKEN.test(text)) leaks.push('a WebSocket token in a URL')
  if (leaks.length) throw new Error(`secrets leaked into logs or responses: ${leaks.join(', ')}`)
}

// A gateway in front of the raw scripted upstream, and a client that reads
// what the gateway answers byte for byte, decoding it by its own
// Content-Encoding with node:zlib (an independent witness of what the client
// receives: no gateway code decodes it).
import zlib from 'node:zlib'
import { request } from 'undici'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Env } from '../../src/config.js'
import { startRawUpstream, type RawRequest, type RawResponse, type RawUpstream } from './raw-upstream.js'

export interface TestContext { teardown: (fn: () => unknown) => void }

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The bytes on the wire (after HTTP framing, before content decoding). */
  raw: Buffer
  /** The body decoded by its Content-Encoding. */
  text: string
}

export interface Harness {
  app: FastifyInstance
  upstream: RawUpstream
  base: string
  /** Scripts KuCoin's answer to every call except server time (always answered, Content-Length). */
  script: (answer: (req: RawRequest) => RawResponse) => void
  call: (method: string, path: string, options?: { headers?: Record<string, string>, body?: string }) => Promise<Answer>
}

/** Dummy keys: the raw upstream checks nothing, it only records what it saw. */
export const KEYS: Env = { KUCOIN_API_KEY: 'conformance-key', KUCOIN_API_SECRET: 'conformance-secret', KUCOIN_API_PASSPHRASE: 'conformance-pass' }

export function decodeBody (raw: Buffer, encoding: string | undefined): Buffer {
  switch (encoding) {
    case undefined: case 'identity': return raw
    case 'gzip': return zlib.gunzipSync(raw)
    case 'deflate': return zlib.inflateSync(raw)
    case 'br': return zlib.brotliDecompressSync(raw)
    default: throw new Error(`unexpected content-encoding ${encoding}`)
  }
}

export async function startHarness (t: TestContext, env: Env = {}): Promise<Harness> {
  let answer: (req: RawRequest) => RawResponse = () => ({ body: '{"code":"200000","data":null}', framing: 'chunked' })
  const upstream = await startRawUpstream(req => req.target.startsWith('/api/v1/timestamp')
    ? { body: `{"code":"200000","data":${Date.now()}}`, framing: 'content-length' }
    : answer(req))
  t.teardown(() => upstream.close())
  // The order cache off: after a placement its lazy private stream would ask for a bullet in the
  // background, and that call took the scripted answer meant for the case then running (a CI run
  // saw the 400002 row's first answer go to it, so the accounts call never met the 400002).
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ...KEYS, KGW_TRADING_ENABLED: 'true', KGW_ORDER_CACHE: 'off', ...env, KUCOIN_SPOT_URL: upstream.url, KUCOIN_FUTURES_URL: upstream.url }))
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    app,
    upstream,
    base,
    script: fn => { answer = fn },
    call: async (method, path, options = {}) => {
      const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) }
      const res = await request(base + path, { method: method as 'GET', headers, body: options.body })
      const raw = Buffer.from(await res.body.arrayBuffer())
      const encoding = res.headers['content-encoding']
      return { status: res.statusCode, headers: res.headers, raw, text: decodeBody(raw, typeof encoding === 'string' ? encoding : undefined).toString('utf8') }
    }
  }
}

// The KuCoin REST client: one keep-alive undici Pool per market host, signing
// of the exact bytes sent, the server-time offset, and the envelope check.
// Callers get a pass-through response or a GatewayError; nothing else.
import { Pool } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'
import type { Config } from '../config.js'
import { GatewayError } from '../errors.js'
import type { Endpoint, Market } from './catalog.js'
import { ServerClock } from './clock.js'
import { collectBody, readEnvelope, type EnvelopeResponse } from './envelope.js'
import { isStaleSocket, transportError } from './errors.js'
import { passphraseHeader, signRequest, signedPath, type Credentials, type QuerySigning } from './signer.js'

export interface KucoinRequest {
  market: Market
  method: string
  /** Path as the client sent it, starting with `/api/`, no query. */
  path: string
  /** Query as the client sent it, without `?`; '' for none. */
  query: string
  body: Buffer | undefined
  /** Headers to forward; see pickRequestHeaders. */
  headers: Record<string, string>
  signed: boolean
  /** The catalog operation, when the caller already looked it up (saves the observer a lookup). */
  endpoint?: Endpoint
}

export type KucoinResponse = EnvelopeResponse

/** What the client reports after every call, for metrics. */
export interface UpstreamEvent {
  market: Market
  method: string
  path: string
  endpoint: Endpoint | undefined
  seconds: number
  /** `ok`, or the gateway error kind the call ended in. */
  outcome: string
  /** KuCoin's envelope code, or the gateway's own KGW_ code on failure. */
  code: string | undefined
  /** Response headers seen (content-type and gw-ratelimit-*). */
  headers: Record<string, string>
}

/**
 * Client headers KuCoin may see. An allowlist: KC-API-*, Authorization,
 * Cookie, hop-by-hop and proxy headers never pass. The client's
 * Accept-Encoding is left out: the gateway asks KuCoin for the codings it can
 * decode (KGW_UPSTREAM_ACCEPT_ENCODING) and answers each client in its own.
 */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'accept-language', 'user-agent', 'x-site-type']

export function pickRequestHeaders (incoming: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name]
    if (typeof value === 'string') headers[name] = value
  }
  return headers
}

/** Reads KuCoin may see twice without harm (RFC 9110 §9.2.2); writes never go again. */
function isIdempotentRead (method: string): boolean {
  return method === 'GET' || method === 'HEAD'
}

export class KucoinClient {
  readonly clocks: Record<Market, ServerClock>
  private readonly pools: Record<Market, Pool>
  /** Each market's KuCoin origin, as configured (named in logs and transport problems). */
  readonly origins: Record<Market, string>
  private readonly credentials: Credentials | undefined
  private readonly passphrase: string | undefined
  private readonly querySigning: QuerySigning
  private readonly maxBuffered: number
  private readonly acceptEncoding: string
  /** Called after every upstream call; set by the app (metrics). Must not throw. */
  observer: ((event: UpstreamEvent) => void) | undefined

  constructor (config: Pick<Config, 'spotUrl' | 'futuresUrl' | 'credentials' | 'querySigning' | 'upstream'>) {
    const { upstream } = config
    const pool = (origin: string): Pool => new Pool(origin, {
      connections: upstream.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: upstream.connectTimeoutMs },
      headersTimeout: upstream.headersTimeoutMs,
      bodyTimeout: upstream.bodyTimeoutMs
    })
    this.pools = { spot: pool(config.spotUrl), futures: pool(config.futuresUrl) }
    this.origins = { spot: new URL(config.spotUrl).origin, futures: new URL(config.futuresUrl).origin }
    this.clocks = {
      spot: new ServerClock(() => this.serverTime('spot')),
      futures: new ServerClock(() => this.serverTime('futures'))
    }
    this.credentials = config.credentials
    this.passphrase = config.credentials && passphraseHeader(config.credentials)
    this.querySigning = config.querySigning
    this.maxBuffered = upstream.maxBufferedBytes
    this.acceptEncoding = upstream.acceptEncoding
  }

  get hasCredentials (): boolean {
    return this.credentials !== undefined
  }

  /** Sends one request; on 400002 resyncs the market's clock and retries once. */
  async request (req: KucoinRequest): Promise<KucoinResponse> {
    if (req.signed && !this.credentials) {
      throw new GatewayError('credentials-missing', { market: req.market, detail: 'this endpoint is private and the gateway has no KuCoin credentials configured' })
    }
    try {
      return await this.send(req)
    } catch (error) {
      if (!req.signed || !(error instanceof GatewayError) || error.code !== '400002') throw error
      await this.clocks[req.market].sync().catch(() => {})
      return await this.send(req)
    }
  }

  private async send (req: KucoinRequest): Promise<KucoinResponse> {
    if (!this.observer) return await this.sendOnce(req)
    const started = process.hrtime.bigint()
    const report = (outcome: string, code: string | undefined, headers: Record<string, string>): void => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      this.observer?.({ market: req.market, method: req.method, path: req.path, endpoint: req.endpoint, seconds, outcome, code, headers })
    }
    try {
      const res = await this.sendOnce(req)
      report('ok', '200000', res.headers)
      return res
    } catch (error) {
      if (error instanceof GatewayError) report(error.kind, error.code, error.headers)
      else report('internal', undefined, {})
      throw error
    }
  }

  private async sendOnce (req: KucoinRequest): Promise<KucoinResponse> {
    // The client's own Content-Type, never an invented one: the boundary lets only JSON writes through.
    const headers = { ...req.headers, 'accept-encoding': this.acceptEncoding }
    if (req.signed) Object.assign(headers, this.sign(req))
    const path = req.query === '' ? req.path : `${req.path}?${req.query}`
    const options = { method: req.method as 'GET', path, headers, body: req.body }
    let res
    try {
      res = await this.pools[req.market].request(options).catch(async (error: unknown) => {
        // A keep-alive socket KuCoin closed as the request left: a read may go again, once; a write never.
        if (!isIdempotentRead(req.method) || !isStaleSocket(error)) throw error
        return await this.pools[req.market].request(options)
      })
    } catch (error) {
      throw transportError(req.market, error, this.origins[req.market])
    }
    try {
      return await readEnvelope(req.market, res.statusCode, res.headers, res.body, this.maxBuffered)
    } catch (error) {
      if (!res.body.readableEnded) res.body.on('error', () => {}).destroy()
      throw transportError(req.market, error, this.origins[req.market])
    }
  }

  private sign (req: KucoinRequest): Record<string, string> {
    const credentials = this.credentials!
    const timestamp = String(this.clocks[req.market].now())
    const target = signedPath(req.path, req.query, this.querySigning)
    return { ...signRequest(credentials, timestamp, req.method, target, req.body ?? '', this.passphrase) }
  }

  /** A call whose `data` the gateway needs itself (server time, bullet tokens, GraphQL); `body` is sent as JSON. */
  async data<T> (market: Market, method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: string, signed?: boolean, body?: Buffer } = {}): Promise<T> {
    const headers: Record<string, string> = options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }
    const res = await this.request({ market, method, path, query: options.query ?? '', body: options.body, headers, signed: options.signed === true })
    const body = await collectBody(market, res, this.maxBuffered)
    try {
      return (JSON.parse(body.toString('utf8')) as { data: T }).data
    } catch (error) {
      throw new GatewayError('upstream-bad-response', { market, detail: 'success envelope that is not valid JSON', cause: error })
    }
  }

  private async serverTime (market: Market): Promise<number> {
    const data = await this.data<unknown>(market, 'GET', '/api/v1/timestamp')
    if (typeof data !== 'number' || !Number.isFinite(data)) throw new GatewayError('upstream-bad-response', { market, detail: 'server time is not a number' })
    return data
  }

  /** First sync (failures are reported by /readyz, not fatal) and periodic refresh. */
  async start (intervalMs: number): Promise<void> {
    for (const clock of Object.values(this.clocks)) clock.start(intervalMs)
    await Promise.all(Object.values(this.clocks).map(clock => clock.sync().catch(() => {})))
  }

  async close (): Promise<void> {
    for (const clock of Object.values(this.clocks)) clock.stop()
    await Promise.all(Object.values(this.pools).map(pool => pool.close()))
  }
}

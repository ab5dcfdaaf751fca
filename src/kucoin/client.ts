// The KuCoin REST client: one keep-alive undici Pool per market host, signing
// of the exact bytes sent, the server-time offset, and the envelope check.
// Callers get a pass-through response or a GatewayError; nothing else.
// Every call asks the rate-limit governor first (governor/), and identical
// public GETs are made once (shared-gets.ts).
import { Pool } from 'undici'
import type { IncomingHttpHeaders } from 'node:http'
import type { Config } from '../config.js'
import { GatewayError } from '../errors.js'
import { Catalog, type Endpoint, type Market } from './catalog.js'
import { ServerClock } from './clock.js'
import { collectBody, readEnvelope, type EnvelopeResponse } from './envelope.js'
import { isStaleSocket, transportError } from './errors.js'
import { chargeFor } from './governor/classify.js'
import { CallerGone, Governor, type Ticket } from './governor/governor.js'
import { quotasFor } from './governor/quotas.js'
import { SharedGets, type SharedAnswer } from './shared-gets.js'
import { callUpstream } from './upstream-call.js'
import type { CallSignal } from '../light-abort.js'
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
  /** Fair-share key for the governor; `gateway` when unset. */
  caller?: string
  /** Aborts the call (waiting or sent) when its client goes away; a shared call only when all its callers have. */
  signal?: CallSignal
  /** Share a signed GET in flight too (GraphQL: the same account asks the same thing); never cached. */
  sharePrivate?: boolean
  /** Never answer from the micro-cache (a book's snapshot must be newer than what it resyncs from). */
  fresh?: boolean
}

export type KucoinResponse = EnvelopeResponse

export interface DataOptions extends Pick<KucoinRequest, 'caller' | 'signal' | 'sharePrivate' | 'fresh' | 'endpoint'> {
  query?: string
  signed?: boolean
  body?: Buffer
}

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

/** Request headers that may change KuCoin's answer, so they are part of a shared call's key. */
const VARYING_REQUEST_HEADERS = ['accept-language', 'x-site-type']

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

  readonly governor: Governor
  readonly shared: SharedGets

  /** `catalog` prices the gateway's own calls (data()); the app passes the one it shares. */
  constructor (config: Pick<Config, 'spotUrl' | 'futuresUrl' | 'credentials' | 'querySigning' | 'upstream' | 'rateLimit' | 'cache'>, private readonly catalog = new Catalog()) {
    const { upstream, rateLimit } = config
    this.governor = new Governor({
      quotas: quotasFor(rateLimit.vipLevel, rateLimit.quotas),
      windowMs: rateLimit.windowMs,
      marginMs: rateLimit.marginMs,
      cancelReserve: rateLimit.cancelReservePercent / 100,
      maxQueue: rateLimit.queueSize,
      maxQueuePerCaller: rateLimit.queuePerCaller,
      maxWaitMs: rateLimit.maxWaitMs
    })
    this.shared = new SharedGets(config.cache)
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

  /**
   * Set by the app: the order cache's tap (src/orders/order-cache.ts), told of
   * every call as it starts and, for the calls it wants, of how each ended.
   * Must not throw.
   */
  tap: ((req: KucoinRequest) => ((res: KucoinResponse | undefined, error: unknown) => void) | undefined) | undefined

  /** Sends one request (a GET others may share: joins theirs); on 400002 resyncs the market's clock and retries once. */
  async request (req: KucoinRequest): Promise<KucoinResponse> {
    const done = this.tap?.(req)
    if (done === undefined) return await this.dispatch(req)
    try {
      const res = await this.dispatch(req)
      done(res, undefined)
      return res
    } catch (error) {
      done(undefined, error)
      throw error
    }
  }

  private async dispatch (req: KucoinRequest): Promise<KucoinResponse> {
    if (req.signed && !this.credentials) {
      throw new GatewayError('credentials-missing', { market: req.market, detail: 'this endpoint is private and the gateway has no KuCoin credentials configured' })
    }
    if (req.method === 'GET' && (!req.signed || req.sharePrivate === true)) return await this.sharedGet(req)
    return await this.attempts(req)
  }

  /** Identical GETs in flight become one call (public ones may be cached); its body is buffered for every sharer. */
  private async sharedGet (req: KucoinRequest): Promise<KucoinResponse> {
    const vary = VARYING_REQUEST_HEADERS.map(name => req.headers[name] ?? '').join('\n')
    const key = `${req.market} ${req.signed ? 'private' : 'public'} ${req.path}?${req.query}\n${vary}`
    const result = await this.shared.run(key, req.signal, () => new CallerGone(req.market), async signal => {
      const res = await this.attempts({ ...req, signal })
      // A body too large to read whole streams (envelope.ts): one caller gets the stream, so it is never held.
      if (!Buffer.isBuffer(res.body)) return { stream: res, taken: false }
      return { ...res, body: res.body, decoded: await collectBody(req.market, res, this.maxBuffered) }
    }, !req.signed && req.fresh !== true)
    if (!('stream' in result)) return result
    if (!result.taken) {
      result.taken = true
      return result.stream
    }
    // The others who joined a streamed answer ask KuCoin themselves (rare: such bodies are megabytes).
    return await this.attempts(req)
  }

  private async attempts (req: KucoinRequest): Promise<KucoinResponse> {
    try {
      return await this.send(req)
    } catch (error) {
      if (!req.signed || !(error instanceof GatewayError) || error.code !== '400002') throw error
      await this.clocks[req.market].sync().catch(() => {})
      return await this.send(req)
    }
  }

  /** Asks the governor for the call's weight, sends, and tells it what KuCoin said about the pool. */
  private async send (req: KucoinRequest): Promise<KucoinResponse> {
    const charge = chargeFor(req.market, req.method, req.signed, req.endpoint)
    const ticket: Ticket = { market: req.market, caller: req.caller ?? 'gateway', ...charge }
    await this.governor.admit(ticket, req.signal)
    // A write already on its way is not aborted: KuCoin may act on it anyway, and a cut would only hide the outcome.
    const sent = req.method === 'GET' ? req : { ...req, signal: undefined }
    try {
      const res = await this.observed(sent)
      this.governor.settle(ticket, { headers: res.headers, status: res.status })
      return res
    } catch (error) {
      const gateway = error instanceof GatewayError ? error : undefined
      // 200002 is a legacy per-endpoint block, not the pool: it does not pause the pool.
      const pool429 = gateway?.kind === 'rate-limited' && gateway.code !== '200002'
      this.governor.settle(ticket, { headers: gateway?.headers ?? {}, status: pool429 ? 429 : (gateway?.status ?? 0), retryAfterMs: gateway?.retryAfterMs })
      throw error
    }
  }

  private async observed (req: KucoinRequest): Promise<KucoinResponse> {
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
    const pool = this.pools[req.market]
    let res
    try {
      res = await callUpstream(pool, options, req.signal).catch(async (error: unknown) => {
        // A keep-alive socket KuCoin closed as the request left: a read may go again, once; a write never.
        if (!isIdempotentRead(req.method) || !isStaleSocket(error) || req.signal?.aborted === true) throw error
        return await callUpstream(pool, options, req.signal)
      })
    } catch (error) {
      throw req.signal?.aborted === true ? new CallerGone(req.market) : transportError(req.market, error, this.origins[req.market])
    }
    try {
      return await readEnvelope(req.market, res.statusCode, res.headers, res.body, this.maxBuffered)
    } catch (error) {
      res.body.abort()
      throw req.signal?.aborted === true ? new CallerGone(req.market) : transportError(req.market, error, this.origins[req.market])
    }
  }

  private sign (req: KucoinRequest): Record<string, string> {
    const credentials = this.credentials!
    const timestamp = String(this.clocks[req.market].now())
    const target = signedPath(req.path, req.query, this.querySigning)
    return { ...signRequest(credentials, timestamp, req.method, target, req.body ?? '', this.passphrase) }
  }

  /**
   * A call whose `data` the gateway needs itself (server time, bullet tokens, GraphQL); `body` is sent as JSON.
   * `caller` and `signal` as in KucoinRequest; without them the call is the gateway's own.
   * The governor charges the pool and weight the catalog gives the endpoint (`endpoint` when the
   * caller already looked it up; the conservative default of classify.ts when the catalog does not know it).
   */
  async data<T> (market: Market, method: 'GET' | 'POST' | 'DELETE', path: string, options: DataOptions = {}): Promise<T> {
    const headers: Record<string, string> = options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }
    const res = await this.request({
      market,
      method,
      path,
      query: options.query ?? '',
      body: options.body,
      headers,
      signed: options.signed === true,
      endpoint: options.endpoint ?? this.catalog.lookup(market, method, path),
      sharePrivate: options.sharePrivate,
      fresh: options.fresh,
      caller: options.caller,
      signal: options.signal
    })
    const shared = Buffer.isBuffer(res.body) && res.decoded !== undefined ? res as SharedAnswer : undefined
    if (shared?.parsed !== undefined) return shared.parsed.value as T
    // Read whole and parsed once already, to check the envelope (envelope.ts): not parsed again.
    if (res.data !== undefined) {
      if (shared !== undefined) shared.parsed = res.data
      return res.data.value as T
    }
    const body = await collectBody(market, res, this.maxBuffered)
    try {
      const value = (JSON.parse(body.toString('utf8')) as { data: T }).data
      // Sharers of one answer read the same parsed value (resolvers never mutate what they read).
      if (shared !== undefined) shared.parsed = { value }
      return value
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
    this.governor.close()
    await Promise.all(Object.values(this.pools).map(pool => pool.close()))
  }
}

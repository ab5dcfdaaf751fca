// One client connection: KuCoin's Classic protocol after the welcome
// (PROTOCOL §5.4–§5.10) — ping/pong, subscribe/unsubscribe with acks, and the
// per-connection limits (frame rate, topics per frame and per session, idle
// timeout, maximum age).
import { WebSocket } from 'ws'
import type { RawData } from 'ws'
import type { Market } from '../types.js'
import type { SyntheticMarket } from '../engine/market.js'
import { nanos } from '../engine/quote-format.js'
import type { IssuedToken } from '../engine/state.js'
import type { WsConnectionInfo } from '../types.js'
import type { TopicIndex } from './connection-index.js'
import { expandTopic, lookupTopic } from './topics.js'
import type { SymbolCheck } from './topics.js'
import { WS_ERRORS } from './types.js'
import type { WsError, WsLimits } from './types.js'

// setTimeout cannot wait longer; a longer maximum age simply never fires.
const MAX_TIMER_MS = 2 ** 31 - 1

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly limits: WsLimits
  /** `silence(true)`: nothing is sent. */
  readonly silent: boolean
  readonly market: SyntheticMarket
  /** Which symbols subscriptions may name. */
  readonly symbols: SymbolCheck
  readonly index: TopicIndex<WsSession>
  /** Simulator clock, for pong timestamps. */
  now: () => number
  /** Subscriptions changed: the feeds start or stop. */
  changed: () => void
  closed: (session: WsSession) => void
}

interface ClientFrame { id?: unknown, type?: unknown, topic?: unknown, privateChannel?: unknown, response?: unknown }

function parse (data: RawData): ClientFrame | undefined {
  try {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
    const value: unknown = JSON.parse(buffer.toString())
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

export class WsSession {
  /** Symbol-topics in subscription order. */
  readonly topics = new Set<string>()
  readonly openedAt = Date.now()
  private readonly frameTimes: number[] = []
  private readonly idle: NodeJS.Timeout
  private maxAge: NodeJS.Timeout | undefined
  private open = true

  constructor (
    private readonly socket: WebSocket,
    readonly id: string,
    readonly market: Market,
    readonly token: IssuedToken,
    /** Whom the connection limits count against: `key:<api key>` or `ip:<address>`. */
    readonly identity: string,
    private readonly host: SessionHost,
    maxAgeMs: number
  ) {
    // KuCoin drops a connection that stops pinging; refresh() on every client frame keeps one timer per socket.
    this.idle = setTimeout(() => this.fail(this.id, WS_ERRORS.pingTimeout), host.limits.idleTimeoutMs).unref()
    this.setMaxAge(maxAgeMs)
    socket.on('message', data => this.receive(data))
    socket.on('close', () => this.dispose())
    // A peer reset is followed by 'close', which cleans up; ws requires a listener.
    socket.on('error', () => {})
    this.send({ id, type: 'welcome' })
  }

  /** False from the moment the socket starts closing (also right after terminate()). */
  get isOpen (): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Queues an encoded push; silence is the caller's business (publishRaw ignores it). */
  push (frame: Buffer): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame, { binary: false })
  }

  /** Closes the connection `ms` after it opened (at once if that is past). */
  setMaxAge (ms: number): void {
    clearTimeout(this.maxAge)
    const remaining = Math.max(0, this.openedAt + ms - Date.now())
    this.maxAge = remaining > MAX_TIMER_MS ? undefined : setTimeout(() => this.socket.close(1000), remaining).unref()
  }

  /** Destroys the socket without a close frame. */
  terminate (): void {
    this.socket.terminate()
  }

  /** Sends an error frame, then closes (connection-level failures). */
  fail (id: string, error: WsError): void {
    this.send({ id, type: 'error', code: error.code, data: error.data })
    this.socket.close(1000)
  }

  info (): WsConnectionInfo {
    return { id: this.id, market: this.market, private: this.token.private, topics: [...this.topics] }
  }

  private send (message: Record<string, unknown>): void {
    if (!this.host.silent && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  private error (id: string, error: WsError): void {
    this.send({ id, type: 'error', code: error.code, data: error.data })
  }

  /** Sliding window over the last `maxClientMessages` frames. */
  private permit (now: number): boolean {
    const { maxClientMessages, clientMessageWindowMs } = this.host.limits
    this.frameTimes.push(now)
    while (this.frameTimes.length > 0 && this.frameTimes[0]! <= now - clientMessageWindowMs) this.frameTimes.shift()
    return this.frameTimes.length <= maxClientMessages
  }

  private receive (data: RawData): void {
    if (!this.open) return
    if (!this.permit(Date.now())) {
      this.open = false
      return this.fail(this.id, WS_ERRORS.tooManyMessages)
    }
    this.idle.refresh()
    const frame = parse(data)
    // Replies echo the request id as a string; a frame without one gets the connection id.
    const id = frame?.id === undefined || frame.id === null ? this.id : String(frame.id)
    switch (frame?.type) {
      case 'ping': return this.send({ id, type: 'pong', timestamp: nanos(this.host.now()) })
      case 'subscribe': return this.subscribe(id, frame)
      case 'unsubscribe': return this.unsubscribe(id, frame)
      default: return this.error(id, WS_ERRORS.typeUnsupported)
    }
  }

  private subscribe (id: string, frame: ClientFrame): void {
    const topic = frame.topic
    if (typeof topic !== 'string' || topic === '') return this.error(id, WS_ERRORS.topicRequired)
    const request = lookupTopic(this.market, topic)
    if (request === undefined) return this.error(id, WS_ERRORS.notFound(topic))
    // Private topics need a bullet-private token and privateChannel: true (PROTOCOL §5.4).
    if (request.private && (!this.token.private || frame.privateChannel !== true)) return this.error(id, WS_ERRORS.loginRequired)
    const { maxTopicsPerSubscribe, maxTopicsPerConnection } = this.host.limits
    if (request.args.length > maxTopicsPerSubscribe) return this.error(id, WS_ERRORS.perTime(maxTopicsPerSubscribe))
    const topics = expandTopic(this.market, this.host.market, this.host.symbols, request, topic)
    if (!Array.isArray(topics)) return this.error(id, topics)
    const fresh = topics.filter(t => !this.topics.has(t))
    if (this.topics.size + fresh.length > maxTopicsPerConnection) return this.error(id, WS_ERRORS.perSession(maxTopicsPerConnection))
    for (const t of fresh) {
      this.topics.add(t)
      this.host.index.add(this.market, t, this)
    }
    if (frame.response === true) this.send({ id, type: 'ack' })
    this.host.changed()
  }

  private unsubscribe (id: string, frame: ClientFrame): void {
    const topic = frame.topic
    if (typeof topic !== 'string' || topic === '') return this.error(id, WS_ERRORS.topicRequired)
    const request = lookupTopic(this.market, topic)
    if (request === undefined) return this.error(id, WS_ERRORS.notFound(topic))
    const topics = expandTopic(this.market, this.host.market, this.host.symbols, request, topic, true)
    for (const t of Array.isArray(topics) ? topics : []) {
      if (!this.topics.delete(t)) continue
      this.host.index.remove(this.market, t, this)
    }
    if (frame.response === true) this.send({ id, type: 'ack' })
    this.host.changed()
  }

  private dispose (): void {
    this.open = false
    clearTimeout(this.idle)
    clearTimeout(this.maxAge)
    for (const topic of this.topics) this.host.index.remove(this.market, topic, this)
    this.topics.clear()
    this.host.closed(this)
    this.host.changed()
  }
}

// One KuCoin WebSocket connection and everything that keeps it alive: a fresh
// bullet token per connect, the welcome, JSON pings at the server's
// pingInterval (dead after pingTimeout without a pong), a paced frame queue,
// reconnects with exponential backoff and jitter that resubscribe every
// topic, and renewal before KuCoin's 24 h limit by opening the new socket
// before closing the old one (make-before-break).
import WebSocket from 'ws'
import { messageTopic } from './protocol.js'
import { RateWindow } from './rate-window.js'

export interface BulletToken {
  token: string
  endpoint: string
  pingIntervalMs: number
  pingTimeoutMs: number
}

export interface ConnectionLimits {
  maxSymbolsPerFrame: number
  maxFramesPerWindow: number
  frameWindowMs: number
  welcomeTimeoutMs: number
  /** Renew this long after connecting (KuCoin drops connections after 24 h). */
  renewAfterMs: number
  backoffInitialMs: number
  backoffMaxMs: number
}

export interface ConnectionHooks {
  fetchToken: () => Promise<BulletToken>
  /** Waits until one more new connection is allowed (KuCoin: 30 per minute). */
  connectSlot: () => Promise<void>
  /** Batches single-symbol topics into subscribe topics. */
  batch: (topics: string[]) => string[]
  onMessage: (topic: string, frame: Buffer) => void
  onDown: (topics: string[], reason: string) => void
  onUp: (topics: string[], event: { reconnect: boolean, renewal: boolean }) => void
  /** KuCoin acked a (re)subscribe of this single-symbol topic; may fire again after a reconnect or renewal. */
  onTopicAck: (topic: string) => void
  /** KuCoin refused this single-symbol topic; the connection has already dropped it. */
  onTopicRefused: (topic: string, code: number, message: string) => void
  log: { info: (o: object, m: string) => void, warn: (o: object, m: string) => void }
}

export type ConnectionState = 'connecting' | 'open' | 'backoff' | 'closed'

/** One live socket; a Connection owns one, or two while renewing. */
class Socket {
  readonly ws: WebSocket
  readonly limiter: RateWindow
  private readonly queue: string[] = []
  private pumping: NodeJS.Timeout | undefined
  lastPong = Date.now()

  constructor (url: string, private readonly limits: ConnectionLimits) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
    this.limiter = new RateWindow(limits.maxFramesPerWindow, limits.frameWindowMs)
  }

  /** Queues a frame; frames go out in order, never faster than KuCoin allows. */
  send (frame: string): void {
    this.queue.push(frame)
    this.pump()
  }

  private pump (): void {
    if (this.pumping) return
    while (this.queue.length && this.ws.readyState === WebSocket.OPEN) {
      const wait = this.limiter.delay()
      if (wait > 0) {
        this.pumping = setTimeout(() => { this.pumping = undefined; this.pump() }, wait)
        this.pumping.unref()
        return
      }
      this.limiter.take()
      this.ws.send(this.queue.shift()!)
    }
  }

  close (): void {
    if (this.pumping) clearTimeout(this.pumping)
    this.ws.removeAllListeners()
    this.ws.on('error', () => {})
    this.ws.terminate()
  }
}

export class Connection {
  readonly topics = new Set<string>()
  state: ConnectionState = 'connecting'
  reconnects = 0
  renewals = 0
  private socket: Socket | undefined
  /** The previous socket during a renewal: both deliver, duplicates are dropped. */
  private draining: Socket | undefined
  private readonly overlapSeen = new Set<string>()
  /** Pending timers only: each removes itself when it fires, so long outages do not grow the set. */
  private readonly timers = new Set<NodeJS.Timeout>()
  private attempt = 0
  private nextId = 1
  private closed = false
  private hasBeenUp = false
  /** Subscribe frames awaiting KuCoin's answer: frame id → the single-symbol topics it carries. */
  private readonly awaiting = new Map<string, string[]>()

  constructor (private readonly limits: ConnectionLimits, private readonly hooks: ConnectionHooks, private readonly privateChannel: boolean) {}

  start (): void {
    this.connect(false).catch(() => {})
  }

  subscribe (topics: string[]): void {
    for (const t of topics) this.topics.add(t)
    if (this.state === 'open') this.sendTopics(this.socket!, 'subscribe', topics)
  }

  unsubscribe (topics: string[]): void {
    for (const t of topics) this.topics.delete(t)
    if (this.state === 'open') this.sendTopics(this.socket!, 'unsubscribe', topics)
  }

  close (): void {
    this.closed = true
    this.state = 'closed'
    this.clearTimers()
    this.socket?.close()
    this.draining?.close()
    this.socket = undefined
    this.draining = undefined
  }

  private sendTopics (socket: Socket, type: 'subscribe' | 'unsubscribe', topics: string[]): void {
    for (const topic of this.hooks.batch(topics)) {
      const id = String(this.nextId++)
      if (type === 'subscribe') this.awaiting.set(id, expandBatch(topic))
      socket.send(JSON.stringify({ id, type, topic, privateChannel: this.privateChannel, response: true }))
    }
  }

  /** KuCoin's answer to one of our frames: an ack or an error for a subscribe frame settles its topics. */
  private settle (id: string, refusal: { code: number, message: string } | undefined): void {
    const topics = this.awaiting.get(id)
    if (!topics) return
    this.awaiting.delete(id)
    for (const topic of topics) {
      if (!this.topics.has(topic)) continue // unsubscribed meanwhile
      if (!refusal) { this.hooks.onTopicAck(topic); continue }
      this.topics.delete(topic)
      this.hooks.onTopicRefused(topic, refusal.code, refusal.message)
    }
  }

  private later (fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }

  private clearTimers (): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  /** Opens a socket, waits for welcome, subscribes every topic; the old socket (if renewing) closes after. */
  private async connect (renewal: boolean): Promise<void> {
    if (this.closed) return
    let socket: Socket | undefined
    try {
      await this.hooks.connectSlot()
      const token = await this.hooks.fetchToken()
      if (this.closed) return
      const connectId = `kgw-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
      socket = new Socket(`${token.endpoint}${token.endpoint.includes('?') ? '&' : '?'}token=${encodeURIComponent(token.token)}&connectId=${connectId}`, this.limits)
      await this.welcome(socket)
      if (this.closed) { socket.close(); return }
      this.adopt(socket, token, renewal)
    } catch (error) {
      socket?.close()
      if (renewal) {
        // The old socket still works: try the renewal again later.
        this.hooks.log.warn({ err: error }, 'upstream renewal failed; keeping the current connection')
        this.later(() => { this.connect(true).catch(() => {}) }, this.backoffMs())
        return
      }
      const reason = String((error as Error).message ?? error)
      // The first connect failing is an outage too: subscribers hear of it as of a drop.
      if (!this.hasBeenUp && this.attempt === 0) this.hooks.onDown([...this.topics], reason)
      this.scheduleReconnect(reason)
    }
  }

  private welcome (socket: Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome from KuCoin')), this.limits.welcomeTimeoutMs)
      timer.unref()
      socket.ws.once('message', (data: Buffer) => {
        clearTimeout(timer)
        let frame: { type?: string, data?: string } = {}
        // A throw here would be uncaught (we are in an event listener): a bad first frame is a refused connection.
        try { frame = JSON.parse(data.toString()) } catch {}
        if (frame.type === 'welcome') resolve()
        else reject(new Error(`KuCoin refused the connection: ${frame.data ?? data.toString().slice(0, 200)}`))
      })
      socket.ws.once('error', error => { clearTimeout(timer); reject(error) })
      socket.ws.once('close', code => { clearTimeout(timer); reject(new Error(`closed before welcome (${code})`)) })
    })
  }

  private adopt (socket: Socket, token: BulletToken, renewal: boolean): void {
    const old = this.socket
    const reconnect = this.hasBeenUp && !renewal
    this.socket = socket
    this.state = 'open'
    this.awaiting.clear() // frames sent on the previous socket are answered there or never
    this.attempt = 0
    this.hasBeenUp = true
    socket.ws.removeAllListeners('error').removeAllListeners('close')
    socket.ws.on('message', (data: Buffer) => this.onFrame(socket, data))
    socket.ws.on('close', (code, reason) => this.onSocketLost(socket, `closed ${code} ${reason.toString()}`))
    socket.ws.on('error', error => this.onSocketLost(socket, error.message))
    this.sendTopics(socket, 'subscribe', [...this.topics])
    this.heartbeat(socket, token)
    this.later(() => { this.connect(true).catch(() => {}) }, this.limits.renewAfterMs)
    if (old) {
      // Make-before-break: both sockets deliver until the new one's
      // subscriptions have surely taken effect; identical frames are passed once.
      this.renewals++
      // A renewal inside the previous overlap (only with a tiny renewAfterMs): the oldest
      // socket goes now; the frames it passed stay remembered, the middle one may repeat them.
      this.draining?.close()
      this.draining = old
      this.later(() => { if (this.draining === old) this.endOverlap(old) }, Math.min(2000, token.pingIntervalMs))
    }
    if (reconnect) this.reconnects++
    this.hooks.onUp([...this.topics], { reconnect, renewal })
  }

  private heartbeat (socket: Socket, token: BulletToken): void {
    const timer = setInterval(() => {
      if (this.socket !== socket) { clearInterval(timer); return }
      if (Date.now() - socket.lastPong > token.pingIntervalMs + token.pingTimeoutMs) {
        clearInterval(timer)
        this.onSocketLost(socket, 'no pong within pingTimeout')
        return
      }
      socket.send(JSON.stringify({ id: String(this.nextId++), type: 'ping' }))
    }, token.pingIntervalMs)
    timer.unref()
  }

  private onFrame (socket: Socket, data: Buffer): void {
    if (this.socket !== socket && this.draining !== socket) return
    const topic = messageTopic(data)
    if (topic !== undefined) {
      if (this.draining && this.seenInOverlap(data)) return
      this.hooks.onMessage(topic, data)
      return
    }
    socket.lastPong = Date.now() // any frame proves the connection alive
    let frame: { type?: string, topic?: string, id?: string, code?: number, data?: string }
    try { frame = JSON.parse(data.toString()) } catch { return }
    if (frame.type === 'message' && typeof frame.topic === 'string') this.hooks.onMessage(frame.topic, data)
    else if (frame.type === 'ack') this.settle(String(frame.id ?? ''), undefined)
    else if (frame.type === 'error') this.settle(String(frame.id ?? ''), { code: frame.code ?? 0, message: String(frame.data ?? '') })
  }

  private endOverlap (old: Socket): void {
    old.close()
    this.draining = undefined
    this.overlapSeen.clear()
  }

  /** During a renewal the same frame arrives on both sockets; pass it once. */
  private seenInOverlap (data: Buffer): boolean {
    const key = data.toString('latin1')
    if (this.overlapSeen.delete(key)) return true
    if (this.overlapSeen.size < 100_000) this.overlapSeen.add(key)
    return false
  }

  private onSocketLost (socket: Socket, reason: string): void {
    if (this.draining === socket) {
      this.endOverlap(socket)
      return
    }
    if (this.socket !== socket || this.closed) return
    socket.close()
    this.socket = undefined
    this.clearTimers()
    this.hooks.onDown([...this.topics], reason)
    this.scheduleReconnect(reason)
  }

  private backoffMs (): number {
    const base = Math.min(this.limits.backoffMaxMs, this.limits.backoffInitialMs * 2 ** this.attempt)
    return Math.round(base / 2 + Math.random() * base / 2) // "equal jitter"
  }

  private scheduleReconnect (reason: string): void {
    if (this.closed) return
    this.state = 'backoff'
    const wait = this.backoffMs()
    this.attempt++
    this.hooks.log.warn({ reason, waitMs: wait, attempt: this.attempt }, 'upstream connection down; reconnecting')
    this.later(() => {
      this.state = 'connecting'
      this.connect(false).catch(() => {})
    }, wait)
  }
}

/** The single-symbol topics of a batched subscribe topic (`/market/ticker:A,B` → both). */
function expandBatch (topic: string): string[] {
  const colon = topic.indexOf(':')
  if (colon === -1) return [topic]
  const prefix = topic.slice(0, colon)
  return topic.slice(colon + 1).split(',').map(symbol => `${prefix}:${symbol}`)
}

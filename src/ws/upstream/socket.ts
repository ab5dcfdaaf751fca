// One KuCoin WebSocket and the timers that belong to it alone: the welcome
// deadline, the ping interval, the pong deadline and the subscribe-answer
// deadline. Closing the socket clears them all, so a timer can never act on
// a socket that was replaced. Outgoing frames are queued and paced under
// KuCoin's per-connection budget (100 frames / 10 s, pings included).
import WebSocket from 'ws'
import { RateWindow } from '../rate-window.js'
import { SubscribeLedger } from './ledger.js'

export interface SocketLimits {
  maxFramesPerWindow: number
  frameWindowMs: number
  welcomeTimeoutMs: number
  /** How long KuCoin may take to answer a subscribe frame before the socket counts as sick. */
  ackTimeoutMs: number
}

export interface SocketEvents {
  /** The first frame was a welcome. */
  welcomed: () => void
  /** Before or after the welcome: the socket is finished (close, error, a deadline passed). Called once. */
  ended: (reason: string) => void
  frame: (data: Buffer) => void
}

type TimerName = 'welcome' | 'pump' | 'ping' | 'pong' | 'ack'

export class UpstreamSocket {
  readonly ledger = new SubscribeLedger()
  /** Topics this socket has been asked to subscribe (and not to unsubscribe). */
  readonly asked = new Set<string>()
  private readonly ws: WebSocket
  private readonly limiter: RateWindow
  private readonly queue: string[] = []
  private welcomed = false
  private done = false
  private readonly timers: Record<TimerName, NodeJS.Timeout | undefined> =
    { welcome: undefined, pump: undefined, ping: undefined, pong: undefined, ack: undefined }

  constructor (readonly id: number, url: string, private readonly limits: SocketLimits, private readonly events: SocketEvents) {
    this.limiter = new RateWindow(limits.maxFramesPerWindow, limits.frameWindowMs)
    this.ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
    this.arm('welcome', limits.welcomeTimeoutMs, () => this.end(`no welcome from KuCoin within ${limits.welcomeTimeoutMs} ms`))
    this.ws.on('message', (data: Buffer) => this.onData(data))
    this.ws.on('close', (code, reason) => this.end(`closed ${code} ${reason.toString()}`.trim()))
    this.ws.on('error', error => this.end(error.message))
  }

  /** Starts JSON pings; the socket ends if nothing at all arrives within pingTimeout of a ping. */
  heartbeat (pingIntervalMs: number, pingTimeoutMs: number, nextId: () => string): void {
    const tick = (): void => {
      this.send(JSON.stringify({ id: nextId(), type: 'ping' }))
      if (!this.timers.pong) this.arm('pong', pingTimeoutMs, () => this.end(`no pong within ${pingTimeoutMs} ms`))
      this.arm('ping', pingIntervalMs, tick)
    }
    this.arm('ping', pingIntervalMs, tick)
  }

  /** Sends a subscribe frame and remembers which topics it asks for. */
  subscribe (id: string, topic: string, topics: string[], privateChannel: boolean): void {
    this.ledger.sent(id, topics, Date.now())
    for (const t of topics) this.asked.add(t)
    if (!this.timers.ack) this.armAckCheck(this.limits.ackTimeoutMs)
    this.send(JSON.stringify({ id, type: 'subscribe', topic, privateChannel, response: true }))
  }

  /** Queues a frame; frames go out in order, never faster than KuCoin allows. */
  send (frame: string): void {
    if (this.done) return
    this.queue.push(frame)
    this.pump()
  }

  /** Ends the socket without reporting (the owner already knows). */
  close (): void {
    this.done = true
    this.clearTimers()
    this.ws.removeAllListeners()
    this.ws.on('error', () => {})
    this.ws.terminate()
  }

  private onData (data: Buffer): void {
    if (this.done) return
    this.disarm('pong') // any frame proves the connection alive
    if (!this.welcomed) {
      this.disarm('welcome')
      let frame: { type?: string, code?: number, data?: unknown } = {}
      // A bad first frame is a refused connection, not an exception in a listener.
      try { frame = JSON.parse(data.toString()) } catch {}
      if (frame.type !== 'welcome') {
        this.end(`KuCoin refused the connection: ${frame.code ?? ''} ${String(frame.data ?? data.toString().slice(0, 200))}`.trim())
        return
      }
      this.welcomed = true
      this.events.welcomed()
      return
    }
    this.events.frame(data)
  }

  private armAckCheck (ms: number): void {
    this.arm('ack', ms, () => {
      const age = this.ledger.oldestAgeMs(Date.now())
      if (age >= this.limits.ackTimeoutMs) this.end(`no answer to a subscribe within ${this.limits.ackTimeoutMs} ms`)
      else if (this.ledger.size) this.armAckCheck(this.limits.ackTimeoutMs - age)
    })
  }

  private end (reason: string): void {
    if (this.done) return
    this.close()
    this.events.ended(reason)
  }

  private pump (): void {
    if (this.timers.pump) return
    while (this.queue.length && this.ws.readyState === WebSocket.OPEN) {
      const wait = this.limiter.delay()
      if (wait > 0) {
        this.arm('pump', wait, () => this.pump())
        return
      }
      this.limiter.take()
      this.ws.send(this.queue.shift()!)
    }
  }

  private arm (name: TimerName, ms: number, fn: () => void): void {
    this.disarm(name)
    const timer = setTimeout(() => { this.timers[name] = undefined; fn() }, ms)
    timer.unref()
    this.timers[name] = timer
  }

  private disarm (name: TimerName): void {
    const timer = this.timers[name]
    if (timer) clearTimeout(timer)
    this.timers[name] = undefined
  }

  private clearTimers (): void {
    for (const name of Object.keys(this.timers) as Array<TimerName>) this.disarm(name)
  }
}

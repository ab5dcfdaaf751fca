// The downstream side: /spot/ws and /futures/ws speak KuCoin's classic
// protocol to dashboards and SDKs, with the tokens the bullet endpoints
// (bullet.ts) hand out. Each socket is one session: token
// check, welcome, subscribe/unsubscribe with ack, ping/pong, KuCoin-style
// error frames, an idle timeout and a frame-rate limit.
import type { Writable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type {} from '@fastify/websocket'
import { WebSocket } from 'ws'
import type { Market } from '../kucoin/catalog.js'
import { backlog } from './socket/backlog.js'
import type { Feed } from './feed.js'
import type { HubClient } from './hub.js'
import {
  CLOSE, WS_ERROR, ackFrame, errorFrame, isFrameError, noticeFrame, parseClientFrame, pongFrame, topicErrorFrame, welcomeFrame, type ClientFrame
} from './protocol.js'
import { RateWindow } from './rate-window.js'
import { allocTextFrame } from './socket/text-frame.js'
import { corkForThisTurn } from './socket/turn-cork.js'
import type { WsTokens } from './tokens.js'
import { isTopicError, parseTopic } from './topics.js'
import { VIRTUAL_PREFIX, type VirtualTopics } from './virtual-topics.js'

export interface DownstreamLimits {
  pingIntervalMs: number
  pingTimeoutMs: number
  maxTopicsPerClient: number
  maxFramesPerWindow: number
  frameWindowMs: number
}

export interface DownstreamOptions {
  feeds: Record<Market, Feed>
  tokens: WsTokens
  limits: DownstreamLimits
  hasCredentials: boolean
  /** `/gateway/...` topics (verified books). */
  virtual?: VirtualTopics
}

const TEXT = { binary: false } as const
const OPEN = WebSocket.OPEN
/**
 * A client cut off for falling behind gets this long to take the close
 * frame (queued behind its backlog) before its socket is destroyed: a stalled
 * reader must not hold the socket and its buffer for ws's 30 s close timeout.
 */
const CUT_OFF_GRACE_MS = 250

/**
 * Serialize once, also at the WebSocket layer: the hub hands the same upstream
 * Buffer to every client of a topic, one client after the other, so the frame
 * (header + payload; server frames are not masked) is built once and the same
 * bytes are written to every socket. ws would build a header and two writes
 * per client. One entry suffices: a publish reaches all its clients before the next.
 */
export class FrameCache {
  private payload: Buffer | undefined
  private framed: Buffer = Buffer.alloc(0)

  /** The unmasked, final text frame of `payload` (RFC 6455 §5.2). */
  frame (payload: Buffer): Buffer {
    if (payload === this.payload) return this.framed
    const framed = allocTextFrame(payload.length)
    payload.copy(framed, framed.length - payload.length)
    this.payload = payload
    this.framed = framed
    return framed
  }
}

/**
 * Adapts a ws socket to the hub: the upstream bytes as they came, as text frames.
 * A class, so the hub's per-client calls stay monomorphic on the send path.
 */
class SocketClient implements HubClient {
  /**
   * The TCP socket under ws. Pre-framed bytes go straight to it: with
   * permessage-deflate off (app.ts) ws's sender never queues, so writes from
   * both paths reach the socket whole and in call order.
   */
  private readonly raw: Writable | undefined

  constructor (private readonly socket: WebSocket, private readonly market: Market, private readonly frames: FrameCache) {
    this.raw = (socket as unknown as { _socket?: Writable })._socket
  }

  get bufferedAmount (): number {
    return backlog(this.socket, this.raw)
  }

  send (frame: Buffer): void {
    if (this.socket.readyState !== OPEN) return // closing: ws would drop it too
    if (this.raw !== undefined) {
      corkForThisTurn(this.raw)
      this.raw.write(this.frames.frame(frame))
    } else {
      this.socket.send(frame, TEXT)
    }
  }

  /** Set by the session: a topic KuCoin refused after the subscribe was acked. */
  onRefused: (topic: string, code: number, message: string) => void = () => {}

  close (code: number, reason: string): void {
    this.socket.send(noticeFrame('slow-consumer', { market: this.market, reason: 'send buffer over the limit on a delta topic; resubscribe and resync' }))
    this.socket.close(code, reason)
    const socket = this.socket
    setTimeout(() => { if (socket.readyState !== WebSocket.CLOSED) socket.terminate() }, CUT_OFF_GRACE_MS).unref()
  }

  refused (topic: string, code: number, message: string): void {
    this.onRefused(topic, code, message)
  }

  /** ws has no drain event of its own; the TCP socket's tells when to flush held-back frames. */
  onDrain (listener: () => void): void {
    this.raw?.on('drain', listener)
  }
}

class Session {
  private readonly client: HubClient
  /** The client's topics, each with the id of the subscribe that added it (for a later refusal). */
  private readonly topics = new Map<string, string>()
  private readonly frames: RateWindow
  private idle: NodeJS.Timeout | undefined

  constructor (
    private readonly socket: WebSocket,
    private readonly market: Market,
    private readonly feed: Feed,
    private readonly allowPrivate: boolean,
    private readonly limits: DownstreamLimits,
    frames: FrameCache,
    private readonly virtual: VirtualTopics | undefined
  ) {
    const client = new SocketClient(socket, market, frames)
    client.onRefused = (topic, code, message) => {
      const id = this.topics.get(topic) ?? ''
      this.topics.delete(topic)
      if (socket.readyState === OPEN) socket.send(topicErrorFrame(id, code, message, topic))
    }
    this.client = client
    this.frames = new RateWindow(limits.maxFramesPerWindow, limits.frameWindowMs)
    socket.on('message', data => this.onFrame(data as Buffer))
    socket.on('close', () => this.end())
    socket.on('error', () => this.end())
    client.onDrain(() => {
      this.feed.hub.drained(client)
      this.virtual?.drained(client)
    })
    this.touch()
  }

  private touch (): void {
    if (this.idle) clearTimeout(this.idle)
    this.idle = setTimeout(() => this.socket.close(CLOSE.idle, 'idle: no ping'), this.limits.pingIntervalMs + this.limits.pingTimeoutMs)
    this.idle.unref()
  }

  private end (): void {
    if (this.idle) clearTimeout(this.idle)
    this.feed.hub.remove(this.client)
    this.virtual?.remove(this.client)
  }

  private onFrame (data: Buffer): void {
    this.touch()
    if (this.frames.delay() > 0) {
      this.socket.send(errorFrame('', WS_ERROR.limitExceeded, 'exceed max permits per second'))
      this.socket.close(CLOSE.tooManyFrames, 'too many frames')
      return
    }
    this.frames.take()
    const frame = parseClientFrame(data)
    if (isFrameError(frame)) {
      this.socket.send(errorFrame(frame.id, frame.code, frame.message))
      return
    }
    if (frame.type === 'ping') this.socket.send(pongFrame(frame.id, Date.now()))
    else this.onTopicFrame(frame)
  }

  private onTopicFrame (frame: Extract<ClientFrame, { topic: string }>): void {
    if (this.virtual && frame.topic.startsWith(VIRTUAL_PREFIX)) return this.onVirtualFrame(this.virtual, frame)
    const parsed = parseTopic(this.market, frame.topic)
    if (isTopicError(parsed)) {
      this.socket.send(errorFrame(frame.id, parsed.code, parsed.message))
      return
    }
    if (parsed.spec.private && !this.allowPrivate) {
      this.socket.send(errorFrame(frame.id, WS_ERROR.loginRequired, 'login is required'))
      return
    }
    if (frame.type === 'subscribe') {
      this.subscribe(frame, parsed.topics)
      return
    }
    for (const t of parsed.topics) this.topics.delete(t)
    this.feed.hub.unsubscribe(this.client, parsed.topics)
    if (frame.response) this.socket.send(ackFrame(frame.id))
  }

  /**
   * The ack waits until KuCoin has acked every topic of the frame (at once
   * when they are all live already). A refusal answers with KuCoin's error
   * frame instead and, as at KuCoin, the frame then subscribes nothing.
   */
  private subscribe (frame: Extract<ClientFrame, { topic: string }>, topics: string[]): void {
    // Offsets are per topic: a resume names one.
    if (frame.since !== undefined && topics.length !== 1) {
      this.socket.send(errorFrame(frame.id, WS_ERROR.invalidTopic, 'since resumes one topic at a time'))
      return
    }
    const adding = topics.filter(t => !this.topics.has(t))
    if (this.topics.size + adding.length > this.limits.maxTopicsPerClient) {
      this.socket.send(errorFrame(frame.id, WS_ERROR.limitExceeded, `exceed max subscription count limitation of ${this.limits.maxTopicsPerClient} per session`))
      return
    }
    for (const t of adding) this.topics.set(t, frame.id)
    this.feed.hub.subscribe(this.client, topics, refusal => {
      if (this.socket.readyState !== OPEN) return
      if (!refusal) {
        if (frame.response) this.socket.send(ackFrame(frame.id))
        return
      }
      const rollback = adding.filter(t => this.topics.get(t) === frame.id)
      for (const t of rollback) this.topics.delete(t)
      this.topics.delete(refusal.topic) // the hub has dropped it already
      this.feed.hub.unsubscribe(this.client, rollback)
      this.socket.send(errorFrame(frame.id, refusal.code, refusal.message))
    }, frame.since !== undefined || frame.resumable === true ? { since: frame.since, epoch: frame.epoch } : undefined)
  }

  /** A gateway topic: same topic-count limit; the provider decides when (and whether) to ack. */
  private onVirtualFrame (virtual: VirtualTopics, frame: Extract<ClientFrame, { topic: string }>): void {
    const { topic } = frame
    if (frame.type === 'unsubscribe') {
      this.topics.delete(topic)
      virtual.unsubscribe(this.client, this.market, topic)
      if (frame.response) this.socket.send(ackFrame(frame.id))
      return
    }
    if (!this.topics.has(topic) && this.topics.size + 1 > this.limits.maxTopicsPerClient) {
      this.socket.send(errorFrame(frame.id, WS_ERROR.limitExceeded, `exceed max subscription count limitation of ${this.limits.maxTopicsPerClient} per session`))
      return
    }
    this.topics.set(topic, frame.id)
    virtual.subscribe(this.client, this.market, topic, frame.since, {
      ok: () => { if (frame.response) this.socket.send(ackFrame(frame.id)) },
      refuse: (code, message) => {
        this.topics.delete(topic)
        this.socket.send(errorFrame(frame.id, code, message))
      }
    })
  }
}

/**
 * Shutdown: every client is told why and closed with 1001, so it reconnects
 * elsewhere at once instead of waiting out a ping timeout.
 */
export function goingAway (sockets: Iterable<WebSocket>): void {
  const notice = noticeFrame('gateway.shutdown', { reason: 'the gateway is shutting down; reconnect' })
  for (const socket of sockets) {
    // Only KuCoin-protocol clients understand notices; graphql-ws ones just get the close.
    if (socket.protocol === '') socket.send(notice)
    socket.close(CLOSE.goingAway, 'gateway shutting down')
  }
}

export async function downstreamRoutes (app: FastifyInstance, { feeds, tokens, limits, hasCredentials, virtual }: DownstreamOptions): Promise<void> {
  // One per market: each market's hub publishes on its own. The bullet calls are in bullet.ts.
  const frames: Record<Market, FrameCache> = { spot: new FrameCache(), futures: new FrameCache() }
  for (const market of ['spot', 'futures'] as const) {
    app.get(`/${market}/ws`, { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
      const query = request.query as { token?: string, connectId?: string }
      const connectId = typeof query.connectId === 'string' && query.connectId.length <= 128 ? query.connectId : String(Date.now())
      const checked = tokens.verify(query.token, market)
      if ('refusal' in checked) {
        socket.send(errorFrame(connectId, WS_ERROR.tokenInvalid, checked.refusal))
        socket.close(CLOSE.policy, checked.refusal)
        return
      }
      new Session(socket, market, feeds[market], checked.grant.private && hasCredentials, limits, frames[market], virtual) // eslint-disable-line no-new
      socket.send(welcomeFrame(connectId))
    })
  }
}

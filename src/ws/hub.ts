// The fan-out core, pure: no sockets, no clock of its own. It keeps, per
// single-symbol topic, the set of downstream clients that want it; asks the
// upstream side to subscribe a topic on first interest and to unsubscribe it
// a linger period after the last client leaves; and routes each upstream
// frame's bytes, unchanged, to the topic's clients.
//
// Truth about each topic: a topic is `live` only once KuCoin acked it (and
// not since dropped). A subscribe completes when every topic it names is live,
// or fails with KuCoin's refusal; a topic refused later (at a reconnect or a
// renewal) leaves the hub and each of its clients is told. A live topic
// silent past its threshold is announced stale, and fresh when data returns.
//
// Slow consumers cost only themselves. Above the soft send-buffer limit a
// client gets only the latest frame per topic and key (subject, candle start)
// of a state topic (older ones are dropped, counted as conflated) and they are
// sent once the socket drains; a delta topic keeps sending until the hard
// limit, then the client is cut off, counted as a slow-consumer disconnect.
//
// Resumable delivery (history.ts): a topic some client subscribed to with
// resume gets a replay window; its resumable clients get each frame with its
// offset and epoch, and a resume gets what it missed before any live frame.
// Topics nobody resumes hold nothing and pay one check per frame.
import { TopicHistory, recoveryFrame, type HistoryLimits, type ResumeRequest } from './history.js'

/** A downstream client as the hub sees it; downstream.ts adapts a WebSocket, graphql/hub-stream.ts a GraphQL stream. */
export interface HubClient {
  send: (frame: Buffer) => void
  /** Bytes queued on the socket and not yet written. */
  readonly bufferedAmount: number
  close: (code: number, reason: string) => void
  /** A topic the client held, after its subscribe had completed, was refused by KuCoin; the client no longer has it. */
  refused?: (topic: string, code: number, message: string) => void
}

/** The upstream side: called with single-symbol topics, batched per call. */
export interface UpstreamPort {
  subscribe: (topics: string[]) => void
  unsubscribe: (topics: string[]) => void
}

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

/** Why a topic is not served: KuCoin's (or the upstream budget's) error. */
export interface Refusal { topic: string, code: number, message: string }

/** Called once when a subscribe completes: undefined when every topic is live, else the first refusal. */
export type SubscribeDone = (refusal: Refusal | undefined) => void

/** How one upstream topic's frames are routed; the feed computes it once per topic. */
export interface Route {
  /** State topics: which frames of the topic replace each other (subject, candle start, ...). Absent: an event topic. */
  conflationKey?: (frame: Buffer) => string
  /** Other subscription topics this frame also reaches (KuCoin's push aliases). */
  aliases?: (frame: Buffer) => readonly string[]
}

export const EVENT_ROUTE: Route = {}

export interface FreshnessOptions {
  /** Silence after which a live topic is stale; 0 = never. */
  thresholdMs: (topic: string) => number
  /** The notice frame for subscribers of a topic that went stale or came back. */
  notice: (subject: 'stale' | 'fresh', topic: string, silentMs: number) => Buffer
}

export interface HubOptions {
  /** How long a topic stays subscribed upstream after its last client left. */
  lingerMs: number
  /** Above this many buffered bytes a client only gets the latest frame of state topics. */
  softLimitBytes: number
  /** Above this many buffered bytes a client on a delta topic is disconnected. */
  hardLimitBytes: number
  timers?: Timers
  clock?: () => number
  freshness?: FreshnessOptions
  /** Replay windows for resumable subscriptions; absent: a resume is never recovered. */
  history?: HistoryLimits
}

export const SLOW_CONSUMER_CLOSE = 4008

export interface HubCounters {
  /** Upstream frames published into the hub. */
  received: number
  /** Frames handed to a client socket. */
  delivered: number
  /** Frames replaced by a newer one while the client was slow. */
  conflated: number
  /** Clients closed for falling behind on a delta topic (or holding too many held-back frames). */
  slowDisconnects: number
  /** Upstream frames for a topic nobody (any longer) wants. */
  unrouted: number
}

/** One live topic's silence, for metrics and /readyz. */
export interface TopicAge { topic: string, ageMs: number, thresholdMs: number, stale: boolean }

interface Request {
  state: ClientState
  /** Topics of this subscribe not yet acked. */
  waiting: Set<string>
  done: SubscribeDone
}

interface TopicState {
  clients: Set<ClientState>
  /** KuCoin acked it, and the upstream has not dropped since. */
  live: boolean
  /** Subscribes waiting for this topic's ack. */
  requests: Set<Request> | undefined
  linger: unknown
  /** Frames received; the sweep compares it with `seen` to learn of activity without a clock read per frame. */
  received: number
  seen: number
  /** When the topic last became live or last had a frame, as the sweep saw it. */
  lastAt: number
  thresholdMs: number
  stale: boolean
  /** The replay window, once some client asked for resumable delivery. */
  history: TopicHistory | undefined
  /** Resumable subscribers: true once live, false while their resume waits for the subscribe to complete (no live frame before the replay). */
  resumers: Map<ClientState, boolean> | undefined
  /** When the last resumer left; the window goes once nothing in it could serve a resume. */
  resumersLeftAt: number
}

interface ClientState {
  client: HubClient
  topics: Set<string>
  /** State-topic frames held back while the client is slow; latest per topic and key, oldest first. */
  pending: Map<string, Buffer> | undefined
  requests: Set<Request> | undefined
  closed: boolean
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t },
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout) }
}

/** Held-back frames per client beyond which it is cut off: a few keys per topic is normal (subjects, two candles). */
const pendingCap = (topics: number): number => 8 * topics + 64

export class Hub {
  readonly counters: HubCounters = { received: 0, delivered: 0, conflated: 0, slowDisconnects: 0, unrouted: 0 }
  /** Every topic the hub holds: with clients, or lingering. */
  private readonly byTopic = new Map<string, TopicState>()
  private readonly clients = new Map<HubClient, ClientState>()
  private readonly timers: Timers
  private readonly clock: () => number

  constructor (private readonly upstream: UpstreamPort, private readonly options: HubOptions) {
    this.timers = options.timers ?? realTimers
    this.clock = options.clock ?? Date.now
  }

  /**
   * Adds topics for a client; upstream subscribes only topics nobody had (or
   * that were lingering). `done` is called once every topic is live (at once
   * when they all are), or with the first refusal.
   */
  subscribe (client: HubClient, topics: readonly string[], done?: SubscribeDone, resume?: ResumeRequest): void {
    const state = this.stateOf(client)
    // A resume of one topic is answered once the subscribe completes (right after the ack).
    const replayed = resume?.since !== undefined && topics.length === 1 && !state.topics.has(topics[0]!) ? topics[0] : undefined
    if (replayed !== undefined) {
      const then = done
      done = refusal => {
        then?.(refusal)
        if (refusal === undefined) this.replay(state, replayed, resume!)
      }
    }
    const request: Request | undefined = done ? { state, waiting: new Set(), done } : undefined
    const fresh: string[] = []
    for (const topic of topics) {
      let record = this.byTopic.get(topic)
      if (!record) {
        record = this.newTopic(topic)
        fresh.push(topic)
      } else if (record.linger !== undefined) {
        this.timers.clearTimeout(record.linger)
        record.linger = undefined
      }
      if (!state.topics.has(topic)) {
        state.topics.add(topic)
        record.clients.add(state)
      }
      if (resume !== undefined && record.resumers?.get(state) !== true) {
        record.history ??= new TopicHistory(this.options.history ?? { frames: 0, maxAgeMs: 0 })
        ;(record.resumers ??= new Map()).set(state, topic !== replayed)
      }
      if (request && !record.live) {
        request.waiting.add(topic)
        ;(record.requests ??= new Set()).add(request)
      }
    }
    if (request) {
      if (request.waiting.size === 0) request.done(undefined)
      else (state.requests ??= new Set()).add(request)
    }
    // Last: a fake upstream may answer synchronously, and the request must be waiting by then.
    if (fresh.length) this.upstream.subscribe(fresh)
  }

  unsubscribe (client: HubClient, topics: readonly string[]): void {
    const state = this.clients.get(client)
    if (!state) return
    for (const topic of topics) this.leave(state, topic)
  }

  /** A client went away: it leaves every topic; its unanswered subscribes are dropped. */
  remove (client: HubClient): void {
    const state = this.clients.get(client)
    if (!state) return
    state.closed = true
    for (const request of state.requests ?? []) this.dropRequest(request)
    state.requests = undefined
    for (const topic of [...state.topics]) this.leave(state, topic)
    this.clients.delete(client)
  }

  /** KuCoin acked the topic: it is live; subscribes waiting only for it complete. Idempotent. */
  acked (topic: string): void {
    const record = this.byTopic.get(topic)
    if (!record || record.live) return
    record.live = true
    record.lastAt = this.clock()
    record.seen = record.received
    const requests = record.requests
    record.requests = undefined
    for (const request of requests ?? []) {
      request.waiting.delete(topic)
      if (request.waiting.size === 0) this.finish(request, undefined)
    }
  }

  /**
   * KuCoin refused the topic (the upstream has dropped it): it leaves the hub.
   * Subscribes waiting for it fail with the refusal; clients that already
   * held it are told through `refused`. Returns how many clients lost it.
   */
  refused (topic: string, code: number, message: string): number {
    const record = this.byTopic.get(topic)
    if (!record) return 0
    this.byTopic.delete(topic)
    if (record.linger !== undefined) this.timers.clearTimeout(record.linger)
    const refusal: Refusal = { topic, code, message }
    const asked = new Set<ClientState>()
    for (const request of record.requests ?? []) {
      asked.add(request.state)
      this.finish(request, refusal)
    }
    for (const state of record.clients) {
      state.topics.delete(topic)
      this.dropPending(state, topic)
      if (!asked.has(state)) state.client.refused?.(topic, code, message)
    }
    return record.clients.size
  }

  /** The upstream connection serving these topics dropped: none is live until KuCoin acks it again. */
  down (topics: Iterable<string>): void {
    for (const topic of topics) {
      const record = this.byTopic.get(topic)
      if (!record) continue
      record.live = false
      // KuCoin's frames in between are gone: offsets start a new epoch.
      record.history?.reset()
    }
  }

  /** Routes one upstream frame's bytes to the topic's clients (and to those of its aliases). */
  publish (topic: string, frame: Buffer, route: Route = EVENT_ROUTE): void {
    this.counters.received++
    const record = this.byTopic.get(topic)
    let reached = 0
    if (record) reached += this.deliver(record, topic, frame, route, undefined)
    if (route.aliases) {
      const targets = route.aliases(frame)
      if (targets.length) {
        const skip = new Set(record?.clients)
        for (const alias of targets) {
          const other = this.byTopic.get(alias)
          if (other) reached += this.deliver(other, alias, frame, EVENT_ROUTE, skip)
        }
      }
    }
    if (reached === 0) this.counters.unrouted++
  }

  /** The client's socket drained: send what was held back. */
  drained (client: HubClient): void {
    const state = this.clients.get(client)
    if (state?.pending && client.bufferedAmount <= this.options.softLimitBytes) this.flushPending(state)
  }

  /** Sends one frame (a notice) to every client subscribed to any of `topics`, once each. */
  notify (topics: Iterable<string>, frame: Buffer): number {
    const reached = new Set<ClientState>()
    for (const topic of topics) for (const state of this.byTopic.get(topic)?.clients ?? []) reached.add(state)
    for (const state of reached) state.client.send(frame)
    return reached.size
  }

  /**
   * Freshness pass (the feed runs it every second): a live topic with clients
   * and no frame for longer than its threshold is announced stale, once.
   * Its `fresh` notice goes out with the next frame (publish).
   */
  sweep (): void {
    const now = this.clock()
    const freshness = this.options.freshness
    for (const [topic, record] of this.byTopic) {
      if (record.history !== undefined && record.resumers!.size === 0 && now - record.resumersLeftAt > (this.options.history?.maxAgeMs ?? 0)) {
        record.history = undefined
        record.resumers = undefined
      }
      if (record.received !== record.seen) {
        record.seen = record.received
        record.lastAt = now
        continue
      }
      if (!freshness || !record.live || record.stale || record.thresholdMs <= 0 || record.clients.size === 0) continue
      const silentMs = now - record.lastAt
      if (silentMs <= record.thresholdMs) continue
      record.stale = true
      this.sendAll(record, freshness.notice('stale', topic, silentMs))
    }
  }

  /** Silence of every live topic with clients and a threshold, oldest first (for metrics and /readyz). */
  ages (): TopicAge[] {
    const now = this.clock()
    const ages: TopicAge[] = []
    for (const [topic, record] of this.byTopic) {
      if (!record.live || record.clients.size === 0 || record.thresholdMs <= 0) continue
      const ageMs = record.received !== record.seen ? 0 : now - record.lastAt
      ages.push({ topic, ageMs, thresholdMs: record.thresholdMs, stale: record.stale })
    }
    return ages.sort((a, b) => b.ageMs - a.ageMs)
  }

  /** Topics with at least one client (lingering ones excluded). */
  activeTopics (): string[] {
    return [...this.byTopic].filter(([, record]) => record.clients.size > 0).map(([topic]) => topic)
  }

  /** Whether KuCoin has acked the topic (and it has not dropped since). */
  isLive (topic: string): boolean {
    return this.byTopic.get(topic)?.live ?? false
  }

  stats (): { clients: number, topics: number, lingering: number, subscriptions: number, pending: number, historyTopics: number, historyFrames: number } {
    let subscriptions = 0
    let topics = 0
    let lingering = 0
    let pending = 0
    let historyTopics = 0
    let historyFrames = 0
    for (const record of this.byTopic.values()) {
      subscriptions += record.clients.size
      if (record.clients.size > 0) topics++
      if (record.linger !== undefined) lingering++
      if (!record.live) pending++
      if (record.history !== undefined) {
        historyTopics++
        historyFrames += record.history.size
      }
    }
    return { clients: this.clients.size, topics, lingering, subscriptions, pending, historyTopics, historyFrames }
  }

  /** Drops every linger timer and unsubscribes nothing: the upstream is closing anyway. */
  close (): void {
    for (const record of this.byTopic.values()) if (record.linger !== undefined) this.timers.clearTimeout(record.linger)
    this.byTopic.clear()
  }

  private newTopic (topic: string): TopicState {
    const record: TopicState = {
      clients: new Set(),
      live: false,
      requests: undefined,
      linger: undefined,
      received: 0,
      seen: 0,
      lastAt: this.clock(),
      thresholdMs: this.options.freshness?.thresholdMs(topic) ?? 0,
      stale: false,
      history: undefined,
      resumers: undefined,
      resumersLeftAt: 0
    }
    this.byTopic.set(topic, record)
    return record
  }

  private deliver (record: TopicState, topic: string, frame: Buffer, route: Route, skip: Set<ClientState> | undefined): number {
    record.received++
    if (record.stale) {
      record.stale = false
      const freshness = this.options.freshness!
      this.sendAll(record, freshness.notice('fresh', topic, this.clock() - record.lastAt))
    }
    const { softLimitBytes, hardLimitBytes } = this.options
    const resumers = record.resumers
    const marked = record.history === undefined ? frame : record.history.append(frame, this.clock())
    let key: string | undefined
    let reached = 0
    for (const state of record.clients) {
      if (skip?.has(state)) continue
      reached++
      let out = frame
      if (resumers !== undefined) {
        const ready = resumers.get(state)
        if (ready === false) continue // its replay (which holds this frame) comes first
        if (ready === true) out = marked
      }
      const buffered = state.client.bufferedAmount
      if (buffered <= softLimitBytes) {
        if (state.pending) this.flushPending(state)
        state.client.send(out)
        this.counters.delivered++
      } else if (route.conflationKey) {
        key ??= `${topic}\0${route.conflationKey(frame)}`
        this.hold(state, key, out)
      } else if (buffered > hardLimitBytes) {
        this.disconnectSlow(state)
      } else {
        state.client.send(out)
        this.counters.delivered++
      }
    }
    return reached
  }

  /** Keeps the latest frame per key, in the order of the latest updates; too many keys cut the client off. */
  private hold (state: ClientState, key: string, frame: Buffer): void {
    const pending = state.pending ??= new Map()
    if (pending.delete(key)) this.counters.conflated++
    pending.set(key, frame)
    if (pending.size > pendingCap(state.topics.size)) this.disconnectSlow(state)
  }

  private sendAll (record: TopicState, frame: Buffer): void {
    for (const state of record.clients) state.client.send(frame)
  }

  private stateOf (client: HubClient): ClientState {
    let state = this.clients.get(client)
    if (!state) {
      state = { client, topics: new Set(), pending: undefined, requests: undefined, closed: false }
      this.clients.set(client, state)
    }
    return state
  }

  private leave (state: ClientState, topic: string): void {
    if (!state.topics.delete(topic)) return
    this.dropPending(state, topic)
    const record = this.byTopic.get(topic)
    if (!record) return
    record.clients.delete(state)
    if (record.resumers?.delete(state) === true && record.resumers.size === 0) record.resumersLeftAt = this.clock()
    // A subscribe waiting for a topic its client has since left no longer waits for it.
    for (const request of record.requests ?? []) {
      if (request.state !== state) continue
      record.requests!.delete(request)
      request.waiting.delete(topic)
      if (request.waiting.size === 0) this.finish(request, undefined)
    }
    if (record.clients.size > 0) return
    record.linger = this.timers.setTimeout(() => {
      if (this.byTopic.get(topic) !== record) return
      this.byTopic.delete(topic)
      for (const request of record.requests ?? []) this.dropRequest(request)
      this.upstream.unsubscribe([topic])
    }, this.options.lingerMs)
  }

  /** Answers a resume: the recovery message, then the missed frames, before any live frame of the topic. */
  private replay (state: ClientState, topic: string, resume: ResumeRequest): void {
    const record = this.byTopic.get(topic)
    if (state.closed || record?.history === undefined || !record.resumers?.has(state)) return
    const recovery = record.history.recover(resume.since, resume.epoch, this.clock())
    state.client.send(recoveryFrame(topic, resume.since, record.history, recovery))
    for (const frame of recovery.frames) state.client.send(frame)
    this.counters.delivered += recovery.frames.length
    record.resumers.set(state, true)
  }

  private dropPending (state: ClientState, topic: string): void {
    if (!state.pending) return
    const prefix = `${topic}\0`
    for (const key of state.pending.keys()) if (key.startsWith(prefix)) state.pending.delete(key)
  }

  /** Completes a subscribe: it stops waiting for any other topic. */
  private finish (request: Request, refusal: Refusal | undefined): void {
    this.dropRequest(request)
    request.state.requests?.delete(request)
    request.done(refusal)
  }

  private dropRequest (request: Request): void {
    for (const topic of request.waiting) this.byTopic.get(topic)?.requests?.delete(request)
    request.waiting.clear()
  }

  private flushPending (state: ClientState): void {
    const pending = state.pending!
    state.pending = undefined
    for (const frame of pending.values()) {
      state.client.send(frame)
      this.counters.delivered++
    }
  }

  private disconnectSlow (state: ClientState): void {
    if (state.closed) return
    this.counters.slowDisconnects++
    this.remove(state.client)
    state.client.close(SLOW_CONSUMER_CLOSE, 'slow consumer')
  }
}

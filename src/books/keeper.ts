// One verified book's I/O shell: a client of the market's hub on KuCoin's
// level2 topic (so the upstream subscription is shared with /spot/ws
// clients of that topic), snapshots through the REST client, BookSync for
// the rules, and fan-out to the book's consumers. A gap, an upstream
// reconnect or an unusable snapshot leads to one resync shared by every
// consumer. A consumer that falls behind is not cut off: it stops getting
// changes and, once it has drained, gets a resync and a fresh snapshot.
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import { topicRefusalKind } from '../kucoin/errors.js'
import { Level2FormatError, depthTopic, level2Topic, parseDelta, parseDepth, parseSnapshot, type SnapshotSource } from '../kucoin/level2.js'
import { FrameLog } from './frame-log.js'
import { BookMessage, bookTopic, changesPrefix, changesText, type BookEvent, type BookView, type ResyncReason } from './messages.js'
import { BookSync, type SyncEvent } from './sync.js'

/** The hub as a keeper uses it: the same client calls as a /spot/ws socket. */
export interface HubPort {
  /** `done` is called once KuCoin acked every topic, or with the first refusal (src/ws/hub.ts). */
  subscribe: (client: KeeperHubClient, topics: readonly string[], done?: (refusal: { topic: string, code: number, message: string } | undefined) => void) => void
  remove: (client: KeeperHubClient) => void
  /** Whether KuCoin has acked the topic (and the upstream has not dropped since). */
  isLive: (topic: string) => boolean
}

export interface KeeperHubClient {
  send: (frame: Buffer) => void
  readonly bufferedAmount: number
  close: (code: number, reason: string) => void
  /** A topic KuCoin refused after its subscribe completed (at a reconnect or a renewal). */
  refused: (topic: string, code: number, message: string) => void
}

/** A consumer of a book: a /spot/ws socket's subscription, or a GraphQL stream. */
export interface BookConsumer {
  /** Bytes written and not yet sent; above the soft limit the consumer is behind. */
  readonly bufferedAmount: number
  deliver: (message: BookMessage, recovered?: boolean) => void
  /** The book cannot be kept (unknown symbol, a permission KuCoin refuses): the consumer is dropped. */
  fail: (error: GatewayError) => void
  /** A `stale`/`fresh` notice frame about the book's level2 topic, already naming the book's topic (WebSocket consumers only). */
  notice?: (frame: Buffer) => void
}

export interface KeeperLimits {
  /** Above this many buffered bytes a consumer is behind (the WebSocket soft limit). */
  softLimitBytes: number
  /** Wait at most this long for a first delta before fetching the first snapshot. */
  snapshotDelayMs: number
  /** Deltas buffered while waiting for a snapshot. */
  maxBufferedDeltas: number
  /** Changes messages kept for resuming consumers; 0 keeps none. */
  replayFrames: number
  /** Also subscribe KuCoin's sequenced top-5 topic (futures) and resync when it disagrees with the book. */
  crossCheck: boolean
}

export interface BookObserver {
  resync: (market: Market, cause: ResyncReason, missed: number) => void
  /** KuCoin's change time to the moment the gateway hands the change to its consumers. */
  latency: (market: Market, seconds: number) => void
}

export interface KeeperDeps {
  hub: HubPort
  /** Fetches the snapshot's `data` (the REST client's data()). */
  fetch: (source: SnapshotSource, symbol: string) => Promise<unknown>
  source: SnapshotSource
  limits: KeeperLimits
  observer: BookObserver
  /** KuCoin's clock as the gateway knows it (ms). */
  kucoinNow: () => number
  /** Local clock (ms). */
  now: () => number
  /** The book failed for good; the registry forgets it. */
  failed: (keeper: BookKeeper) => void
}

interface ConsumerState {
  consumer: BookConsumer
  /** waiting: for a snapshot; live: gets changes; behind: skipped changes, owes a resync once drained. */
  state: 'waiting' | 'live' | 'behind'
  /** A resume: the last sequence the consumer holds. */
  since: number | undefined
}

const NOTICE = Buffer.from('{"type":"notice"')
const RECONNECT = /"subject":"upstream\.reconnect/
const FRESHNESS = /^\{"type":"notice","subject":"(stale|fresh)"/
const MAX_BACKOFF_MS = 5000

export class BookKeeper implements KeeperHubClient {
  readonly sync: BookSync
  readonly topic: string
  readonly counters = { snapshots: 0, snapshotFailures: 0, malformed: 0, crossChecks: 0 }
  private readonly consumers = new Map<BookConsumer, ConsumerState>()
  private readonly waiters = new Set<{ resolve: () => void, reject: (error: Error) => void }>()
  /** The replay window for resuming consumers (none with a window of 0). */
  private readonly replay: FrameLog | undefined
  private readonly changesPrefix: string
  private snapshotMessage: BookMessage | undefined
  private fetching = false
  private timer: NodeJS.Timeout | undefined
  private attempts = 0
  private appliedAt = 0
  private closed = false
  /** When the book ends for good, why. */
  failure: GatewayError | undefined

  constructor (readonly market: Market, readonly symbol: string, private readonly deps: KeeperDeps) {
    this.sync = new BookSync(deps.limits.maxBufferedDeltas)
    this.topic = bookTopic(symbol)
    this.changesPrefix = changesPrefix(this.topic)
    this.replay = deps.limits.replayFrames > 0 ? new FrameLog(deps.limits.replayFrames) : undefined
  }

  /** The upstream topics this book reads. */
  private topics (): string[] {
    const depth = this.deps.limits.crossCheck ? depthTopic(this.market, this.symbol) : undefined
    return depth === undefined ? [level2Topic(this.market, this.symbol)] : [level2Topic(this.market, this.symbol), depth]
  }

  /** The snapshot waits for KuCoin's ack of the topics: a book on a topic KuCoin refused is no book. */
  start (): void {
    this.deps.hub.subscribe(this, this.topics(), refusal => {
      if (refusal !== undefined) this.refused(refusal.topic, refusal.code, refusal.message)
      else this.schedule(this.deps.limits.snapshotDelayMs)
    })
  }

  get consumerCount (): number {
    return this.consumers.size
  }

  get live (): boolean {
    return this.sync.state === 'live'
  }

  /** Age of the book's last change as applied here, ms. */
  ageMs (): number {
    return this.live ? this.deps.now() - this.appliedAt : Infinity
  }

  // ---- the hub side ----

  readonly bufferedAmount = 0

  send (frame: Buffer): void {
    if (this.closed) return
    if (startsWith(frame, NOTICE)) {
      const head = frame.toString('latin1', 0, 200)
      if (RECONNECT.test(head)) this.handle(this.sync.reset('reconnect'))
      else if (FRESHNESS.test(head)) this.onFreshness(frame)
      return
    }
    let delta
    try {
      const message = JSON.parse(frame.toString('utf8')) as { topic?: unknown }
      if (typeof message.topic === 'string' && message.topic.startsWith('/contractMarket/level2Depth')) return this.onDepth(message)
      delta = parseDelta(this.market, message)
    } catch (error) {
      if (!(error instanceof Level2FormatError) && !(error instanceof SyntaxError)) throw error
      // A delta we cannot read is a delta we missed.
      this.counters.malformed++
      this.handle(this.sync.reset('gap'))
      return
    }
    if (delta === undefined) return
    this.handle(this.sync.delta(delta))
    // The first buffered delta proves the subscription is live: time for the snapshot.
    if (this.sync.state === 'buffering' && !this.fetching && this.attempts === 0) this.schedule(0)
  }

  /** The hub's stale/fresh notice of the level2 topic, passed on naming the book's topic instead. */
  private onFreshness (frame: Buffer): void {
    const notice = JSON.parse(frame.toString('utf8')) as { subject: string, data?: { topic?: unknown } }
    if (notice.data?.topic !== level2Topic(this.market, this.symbol)) return
    const out = Buffer.from(JSON.stringify({ ...notice, data: { ...notice.data, topic: this.topic } }))
    for (const { consumer } of this.consumers.values()) consumer.notice?.(out)
  }

  /** KuCoin's sequenced top of the book: compared when the book is at that sequence. */
  private onDepth (message: Parameters<typeof parseDepth>[0]): void {
    const depth = parseDepth(message)
    if (depth === undefined) return
    const { compared, events } = this.sync.crossCheck(depth.sequence, depth.bids, depth.asks)
    if (compared) this.counters.crossChecks++
    this.handle(events)
  }

  /** The hub let go of this client (it never should: nothing is buffered here); treated as a reconnect. */
  close (): void {
    if (this.closed) return
    this.handle(this.sync.reset('reconnect'))
    this.start()
  }

  /** KuCoin (or the upstream budget) refused a topic of the book: the book fails with KuCoin's code and text. */
  refused (topic: string, code: number, message: string): void {
    if (this.closed) return
    const error = new GatewayError(topicRefusalKind(code), { market: this.market, code: String(code), msg: message, detail: `KuCoin refused ${topic}: ${message}` })
    // Not inside the hub's own loop over the topic's clients.
    queueMicrotask(() => { if (!this.closed) this.fail(error) })
  }

  // ---- consumers ----

  add (consumer: BookConsumer, since?: number): void {
    const state: ConsumerState = { consumer, state: 'waiting', since }
    this.consumers.set(consumer, state)
    if (this.live) this.welcome(state)
  }

  remove (consumer: BookConsumer): void {
    this.consumers.delete(consumer)
  }

  /** A consumer's socket drained: a consumer that fell behind catches up with a fresh snapshot. */
  drained (consumer: BookConsumer): void {
    const state = this.consumers.get(consumer)
    if (state?.state === 'behind' && this.live && consumer.bufferedAmount <= this.deps.limits.softLimitBytes) this.catchUp(state)
  }

  /** Resolves once the book is consistent (now, or after the next snapshot); rejects on failure or timeout. */
  async whenLive (timeoutMs: number): Promise<void> {
    if (this.live) return
    if (this.failure) throw this.failure
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => { clearTimeout(timer); resolve() },
        reject: (error: Error) => { clearTimeout(timer); reject(error) }
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new GatewayError('book-not-ready', { market: this.market, detail: `the ${this.symbol} book was not consistent within ${timeoutMs} ms` }))
      }, timeoutMs)
      this.waiters.add(waiter)
    })
  }

  /** The book at `depth` levels per side (within the range it is known to be complete). */
  view (depth: number): BookView {
    return {
      market: this.market,
      symbol: this.symbol,
      sequence: this.sync.sequence,
      time: this.sync.time,
      ageMs: Math.max(0, this.deps.now() - this.appliedAt),
      bids: this.sync.bids.top(depth),
      asks: this.sync.asks.top(depth)
    }
  }

  /** Lets go of the upstream topic and every consumer (the registry's linger ran out, or the book failed). */
  release (): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    this.deps.hub.remove(this)
    for (const waiter of this.waiters) waiter.reject(new GatewayError('book-not-ready', { market: this.market, detail: `the ${this.symbol} book was released` }))
    this.waiters.clear()
    this.consumers.clear()
    this.replay?.clear()
  }

  // ---- the rules' outcome ----

  private handle (events: SyncEvent[]): void {
    for (const event of events) {
      if (event.kind === 'changes') this.onChanges(event)
      else if (event.kind === 'synced') this.onSynced()
      else {
        this.deps.observer.resync(this.market, event.cause, event.kind === 'lost' ? event.missed : 0)
        if (event.kind === 'lost') this.onLost(event.cause)
        // After a reconnect a snapshot is worth fetching once deltas flow again (send() asks on the first one).
        this.schedule(event.cause === 'reconnect' ? this.deps.limits.snapshotDelayMs : this.backoff())
      }
    }
  }

  private onChanges (event: Extract<SyncEvent, { kind: 'changes' }>): void {
    this.appliedAt = this.deps.now()
    this.snapshotMessage = undefined
    if (event.time > 0) this.deps.observer.latency(this.market, Math.max(0, this.deps.kucoinNow() - event.time) / 1000)
    const data = { sequenceStart: event.start, sequenceEnd: event.end, bids: event.bids, asks: event.asks }
    // With a replay window the frame is encoded now, into the window, and the live consumers get those bytes.
    const frame = this.replay?.append(event.start, event.end, changesText(this.changesPrefix, data))
    const message = new BookMessage(this.topic, { subject: 'changes', data }, frame)
    const soft = this.deps.limits.softLimitBytes
    for (const state of this.consumers.values()) {
      if (state.state === 'waiting') continue
      if (state.consumer.bufferedAmount > soft) {
        state.state = 'behind'
      } else if (state.state === 'behind') {
        this.catchUp(state)
      } else {
        state.consumer.deliver(message)
      }
    }
  }

  private onSynced (): void {
    this.attempts = 0
    this.appliedAt = this.deps.now()
    this.snapshotMessage = undefined
    this.replay?.clear()
    for (const waiter of this.waiters) waiter.resolve()
    this.waiters.clear()
    for (const state of this.consumers.values()) {
      if (state.state === 'live' && state.since === undefined) continue
      this.welcome(state)
    }
  }

  private onLost (cause: ResyncReason): void {
    const message = this.message({ subject: 'resync', data: { reason: cause, sequence: this.sync.sequence } })
    for (const state of this.consumers.values()) {
      if (state.state !== 'waiting') state.consumer.deliver(message)
      state.state = 'waiting'
    }
  }

  /** A consumer joins a consistent book: the snapshot, or for a resume what it missed if the window has it. */
  private welcome (state: ConsumerState): void {
    const { since } = state
    state.since = undefined
    state.state = 'live'
    if (since === undefined) {
      state.consumer.deliver(this.snapshot())
      return
    }
    const sequence = this.sync.sequence
    const replay = this.replay
    const length = replay?.length ?? 0
    const from = since === sequence ? length : replay?.indexOfStart(since + 1) ?? -1
    const recovered = since <= sequence && from >= 0
    const frames = recovered ? length - from : 0
    state.consumer.deliver(this.message({ subject: 'recovery', data: { recovered, since, sequence, frames } }))
    if (!recovered) {
      state.consumer.deliver(this.snapshot(), false)
      return
    }
    for (let k = from; k < length; k++) state.consumer.deliver(new BookMessage(this.topic, undefined, replay!.frame(k)), true)
  }

  private catchUp (state: ConsumerState): void {
    this.deps.observer.resync(this.market, 'slow-consumer', 0)
    state.consumer.deliver(this.message({ subject: 'resync', data: { reason: 'slow-consumer', sequence: this.sync.sequence } }))
    state.state = 'live'
    state.consumer.deliver(this.snapshot())
  }

  /** The whole known book, encoded once per sequence however many consumers need it. */
  private snapshot (): BookMessage {
    this.snapshotMessage ??= this.message({ subject: 'snapshot', data: this.view(Infinity) })
    return this.snapshotMessage
  }

  private message (event: BookEvent): BookMessage {
    return new BookMessage(this.topic, event)
  }

  // ---- snapshots ----

  private backoff (): number {
    return this.attempts === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.attempts)
  }

  private schedule (ms: number): void {
    if (this.closed || this.fetching) return
    if (this.timer !== undefined) {
      if (ms > 0) return
      clearTimeout(this.timer)
    }
    this.timer = setTimeout(() => { this.timer = undefined; this.fetchSnapshot().catch(() => {}) }, ms)
    this.timer.unref()
  }

  private async fetchSnapshot (): Promise<void> {
    if (this.closed || this.fetching || this.sync.state === 'live') return
    // Not live upstream (a reconnect in progress): a snapshot now could not be followed; the ack or the first delta brings us back.
    if (!this.deps.hub.isLive(level2Topic(this.market, this.symbol))) return this.schedule(this.deps.limits.snapshotDelayMs || 100)
    this.fetching = true
    this.attempts++
    let events: SyncEvent[] = []
    try {
      const data = await this.deps.fetch(this.deps.source, this.symbol)
      this.counters.snapshots++
      if (this.closed) return
      events = this.sync.snapshot(parseSnapshot(this.market, data, this.deps.source.limit))
    } catch (error) {
      this.counters.snapshotFailures++
      if (isPermanent(error)) return this.fail(error)
    } finally {
      this.fetching = false
    }
    this.handle(events)
    if (this.sync.state === 'buffering') this.schedule(this.backoff())
  }

  private fail (error: GatewayError): void {
    this.failure = error
    for (const waiter of this.waiters) waiter.reject(error)
    this.waiters.clear()
    for (const state of this.consumers.values()) state.consumer.fail(error)
    this.release()
    this.deps.failed(this)
  }
}

/** Whether `bytes` begins with `prefix` (no view allocated per delta to ask). */
function startsWith (bytes: Buffer, prefix: Buffer): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** KuCoin said no to this symbol or this call: retrying cannot help. */
function isPermanent (error: unknown): error is GatewayError {
  return error instanceof GatewayError && error.status < 500 && error.kind !== 'rate-limited'
}

// The fan-out core, pure: no sockets, no clock of its own. It keeps, per
// single-symbol topic, the set of downstream clients that want it; asks the
// upstream side to subscribe a topic on first interest and to unsubscribe it
// a linger period after the last client leaves; and routes each upstream
// frame's bytes, unchanged, to the topic's clients.
//
// Slow consumers cost only themselves. Above the soft send-buffer limit a
// client gets only the latest frame of a state topic (the older one is
// dropped, counted as conflated) and it is sent once the socket drains; a
// delta topic keeps sending until the hard limit, then the client is closed
// (a gap would corrupt its book), counted as a slow-consumer disconnect.

/** A downstream client as the hub sees it; downstream.ts adapts a WebSocket. */
export interface HubClient {
  send: (frame: Buffer) => void
  /** Bytes queued on the socket and not yet written. */
  readonly bufferedAmount: number
  close: (code: number, reason: string) => void
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

export interface HubOptions {
  /** How long a topic stays subscribed upstream after its last client left. */
  lingerMs: number
  /** Above this many buffered bytes a client only gets the latest frame of state topics. */
  softLimitBytes: number
  /** Above this many buffered bytes a client on a delta topic is disconnected. */
  hardLimitBytes: number
  timers?: Timers
}

export const SLOW_CONSUMER_CLOSE = 4008

export interface HubCounters {
  /** Upstream frames published into the hub. */
  received: number
  /** Frames handed to a client socket. */
  delivered: number
  /** Frames replaced by a newer one while the client was slow. */
  conflated: number
  /** Clients closed for falling behind on a delta topic. */
  slowDisconnects: number
  /** Upstream frames for a topic nobody (any longer) wants. */
  unrouted: number
}

interface ClientState {
  client: HubClient
  topics: Set<string>
  /** State-topic frames held back while the client is slow; latest per topic. */
  pending: Map<string, Buffer> | undefined
  closed: boolean
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t },
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout) }
}

export class Hub {
  readonly counters: HubCounters = { received: 0, delivered: 0, conflated: 0, slowDisconnects: 0, unrouted: 0 }
  private readonly byTopic = new Map<string, Set<ClientState>>()
  private readonly clients = new Map<HubClient, ClientState>()
  private readonly lingering = new Map<string, unknown>()
  private readonly timers: Timers

  constructor (private readonly upstream: UpstreamPort, private readonly options: HubOptions) {
    this.timers = options.timers ?? realTimers
  }

  /** Adds topics for a client; upstream subscribes only topics nobody had (or that were lingering). */
  subscribe (client: HubClient, topics: readonly string[]): void {
    const state = this.stateOf(client)
    const fresh: string[] = []
    for (const topic of topics) {
      if (state.topics.has(topic)) continue
      state.topics.add(topic)
      let set = this.byTopic.get(topic)
      if (!set) {
        set = new Set()
        this.byTopic.set(topic, set)
        if (!this.cancelLinger(topic)) fresh.push(topic)
      }
      set.add(state)
    }
    if (fresh.length) this.upstream.subscribe(fresh)
  }

  unsubscribe (client: HubClient, topics: readonly string[]): void {
    const state = this.clients.get(client)
    if (!state) return
    for (const topic of topics) this.leave(state, topic)
  }

  /** A client went away: it leaves every topic. */
  remove (client: HubClient): void {
    const state = this.clients.get(client)
    if (!state) return
    state.closed = true
    for (const topic of [...state.topics]) this.leave(state, topic)
    this.clients.delete(client)
  }

  /** Routes one upstream frame's bytes to the topic's clients. */
  publish (topic: string, frame: Buffer, conflate: boolean): void {
    this.counters.received++
    const set = this.byTopic.get(topic)
    if (!set) {
      this.counters.unrouted++
      return
    }
    const { softLimitBytes, hardLimitBytes } = this.options
    for (const state of set) {
      const buffered = state.client.bufferedAmount
      if (buffered <= softLimitBytes) {
        if (state.pending) this.flushPending(state)
        state.client.send(frame)
        this.counters.delivered++
      } else if (conflate) {
        state.pending ??= new Map()
        if (state.pending.has(topic)) this.counters.conflated++
        state.pending.set(topic, frame)
      } else if (buffered > hardLimitBytes) {
        this.disconnectSlow(state)
      } else {
        state.client.send(frame)
        this.counters.delivered++
      }
    }
  }

  /** The client's socket drained: send what was held back. */
  drained (client: HubClient): void {
    const state = this.clients.get(client)
    if (state?.pending && client.bufferedAmount <= this.options.softLimitBytes) this.flushPending(state)
  }

  /** Sends one frame (a notice) to every client subscribed to any of `topics`, once each. */
  notify (topics: Iterable<string>, frame: Buffer): number {
    const reached = new Set<ClientState>()
    for (const topic of topics) for (const state of this.byTopic.get(topic) ?? []) reached.add(state)
    for (const state of reached) state.client.send(frame)
    return reached.size
  }

  /** Topics with at least one client (lingering ones excluded). */
  activeTopics (): string[] {
    return [...this.byTopic.keys()]
  }

  stats (): { clients: number, topics: number, lingering: number, subscriptions: number } {
    let subscriptions = 0
    for (const set of this.byTopic.values()) subscriptions += set.size
    return { clients: this.clients.size, topics: this.byTopic.size, lingering: this.lingering.size, subscriptions }
  }

  /** Drops every linger timer and unsubscribes nothing: the upstream is closing anyway. */
  close (): void {
    for (const handle of this.lingering.values()) this.timers.clearTimeout(handle)
    this.lingering.clear()
  }

  private stateOf (client: HubClient): ClientState {
    let state = this.clients.get(client)
    if (!state) {
      state = { client, topics: new Set(), pending: undefined, closed: false }
      this.clients.set(client, state)
    }
    return state
  }

  private leave (state: ClientState, topic: string): void {
    if (!state.topics.delete(topic)) return
    state.pending?.delete(topic)
    const set = this.byTopic.get(topic)
    if (!set) return
    set.delete(state)
    if (set.size > 0) return
    this.byTopic.delete(topic)
    this.lingering.set(topic, this.timers.setTimeout(() => {
      this.lingering.delete(topic)
      this.upstream.unsubscribe([topic])
    }, this.options.lingerMs))
  }

  private cancelLinger (topic: string): boolean {
    const handle = this.lingering.get(topic)
    if (handle === undefined) return false
    this.timers.clearTimeout(handle)
    this.lingering.delete(topic)
    return true
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

// The upstream side of the fan-out, per market and channel (public or
// private): as few KuCoin connections as KuCoin's limits allow. Topics fill
// the first connection with room (≤ maxTopicsPerConnection), then another
// opens — if the shared upstream budget (./upstream/budget.ts) has one left;
// otherwise the new topic is refused with KuCoin's 509, and nothing already
// served is touched. It implements the hub's UpstreamPort.
import type { Market } from '../kucoin/catalog.js'
import type { UpstreamPort } from './hub.js'
import { batchTopics } from './topics.js'
import { UpstreamBudget, type BudgetStatus } from './upstream/budget.js'
import { Connection, type BulletToken, type ConnectionHooks, type ConnectionLimits } from './upstream-connection.js'

export { UpstreamBudget } from './upstream/budget.js'

export interface UpstreamLimits extends ConnectionLimits {
  maxTopicsPerConnection: number
  maxConnectsPerMinute: number
  /** Logical upstream connections allowed in all (used when no shared budget is given). */
  maxConnections: number
}

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimits = {
  maxTopicsPerConnection: 300,
  maxSymbolsPerFrame: 100,
  maxFramesPerWindow: 100,
  frameWindowMs: 10_000,
  maxConnectsPerMinute: 30,
  maxConnections: 40,
  welcomeTimeoutMs: 10_000,
  ackTimeoutMs: 10_000,
  renewAfterMs: 23 * 60 * 60 * 1000,
  overlapMs: 2000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000
}

/** KuCoin's wording for a subscription it cannot take (PROTOCOL §5.5, code 509). */
export const BUDGET_REFUSAL = { code: 509, message: (max: number) => `exceed max subscription count limitation: the gateway's upstream budget of ${max} connections is in use` }

export interface UpstreamEvents {
  onMessage: (topic: string, frame: Buffer) => void
  onDown: (topics: string[], reason: string) => void
  onUp: (topics: string[], event: { reconnect: boolean, renewal: boolean }) => void
  /** KuCoin acked a (re)subscribe of this topic; may fire again after a reconnect or renewal. */
  onTopicAck: (topic: string) => void
  /** KuCoin (after batch splitting) or the upstream budget (509) refused this topic; the pool has dropped it. */
  onTopicRefused: (topic: string, code: number, message: string) => void
}

export interface UpstreamOptions {
  market: Market
  channel: 'public' | 'private'
  limits: UpstreamLimits
  fetchToken: () => Promise<BulletToken>
  events: UpstreamEvents
  log: ConnectionHooks['log']
  /** Shared by every pool of the gateway (KuCoin counts connections per user); a pool of its own when absent. */
  budget?: UpstreamBudget
}

/** What a pool can do now, for readiness and metrics. */
export interface PoolStatus {
  /** Logical connections holding topics, and how many of them are open (serving). */
  connections: number
  open: number
  /** Topics held, and how many of them sit on a connection that is not open (no data now). */
  topics: number
  topicsWaiting: number
  /** The shared connection budget. */
  budget: BudgetStatus
  /** Every topic held is on an open connection. */
  serving: boolean
  /** A new topic would be taken: an open connection has room, or the budget allows another connection. */
  acceptsTopics: boolean
}

export class UpstreamPool implements UpstreamPort {
  readonly connections: Connection[] = []
  readonly budget: UpstreamBudget

  constructor (private readonly options: UpstreamOptions) {
    this.budget = options.budget ?? new UpstreamBudget(options.limits.maxConnections, options.limits.maxConnectsPerMinute)
  }

  subscribe (topics: string[]): void {
    const byConnection = new Map<Connection, string[]>()
    const refused: string[] = []
    for (const topic of topics) {
      // A topic already held is asked again where it is, so the caller still gets KuCoin's answer.
      const connection = this.connections.find(c => c.topics.has(topic)) ?? this.withRoom()
      if (!connection) { refused.push(topic); continue }
      connection.topics.add(topic) // reserve the slot now so the next topic counts it
      byConnection.set(connection, [...(byConnection.get(connection) ?? []), topic])
    }
    for (const [connection, list] of byConnection) connection.subscribe(list)
    if (refused.length) this.refuseLater(refused)
  }

  unsubscribe (topics: string[]): void {
    for (const connection of [...this.connections]) {
      const mine = topics.filter(t => connection.topics.has(t))
      if (!mine.length) continue
      connection.unsubscribe(mine)
      if (connection.topics.size === 0) this.retire(connection)
    }
  }

  topicCount (): number {
    return this.connections.reduce((n, c) => n + c.topics.size, 0)
  }

  status (): PoolStatus {
    const held = this.connections.filter(c => c.topics.size > 0)
    const open = held.filter(c => c.state === 'open')
    const topics = held.reduce((n, c) => n + c.topics.size, 0)
    const waiting = topics - open.reduce((n, c) => n + c.topics.size, 0)
    const budget = this.budget.status()
    const room = this.connections.some(c => c.topics.size < this.options.limits.maxTopicsPerConnection)
    return { connections: held.length, open: open.length, topics, topicsWaiting: waiting, budget, serving: waiting === 0, acceptsTopics: room || budget.used < budget.max }
  }

  close (): void {
    for (const connection of this.connections) {
      connection.close()
      this.budget.release()
    }
    this.connections.length = 0
  }

  /** The first connection with room, or a new one if the budget allows; undefined when it does not. */
  private withRoom (): Connection | undefined {
    const existing = this.connections.find(c => c.topics.size < this.options.limits.maxTopicsPerConnection)
    if (existing) return existing
    if (!this.budget.tryReserve()) return undefined
    const { limits, market, fetchToken, events, log } = this.options
    const connection: Connection = new Connection(limits, {
      fetchToken,
      connectSlot: () => this.budget.connectSlot(),
      batch: topics => batchTopics(market, topics, limits.maxSymbolsPerFrame),
      onMessage: events.onMessage,
      onDown: events.onDown,
      onUp: events.onUp,
      onTopicAck: events.onTopicAck,
      onTopicRefused: (topic, code, message) => {
        // A connection whose every topic was refused serves nobody: it goes.
        if (connection.topics.size === 0) queueMicrotask(() => { if (connection.topics.size === 0 && this.connections.includes(connection)) this.retire(connection) })
        events.onTopicRefused(topic, code, message)
      },
      log
    }, this.options.channel === 'private')
    this.connections.push(connection)
    connection.start()
    return connection
  }

  /** Budget refusals are reported after the caller's subscribe returns, so the hub is never re-entered. */
  private refuseLater (topics: string[]): void {
    const { code, message } = BUDGET_REFUSAL
    const text = message(this.budget.maxConnections)
    this.options.log.warn({ market: this.options.market, channel: this.options.channel, topics: topics.length, budget: this.budget.status() }, 'upstream connection budget full; topics refused')
    queueMicrotask(() => { for (const topic of topics) this.options.events.onTopicRefused(topic, code, text) })
  }

  private retire (connection: Connection): void {
    connection.close()
    this.budget.release()
    this.connections.splice(this.connections.indexOf(connection), 1)
  }
}

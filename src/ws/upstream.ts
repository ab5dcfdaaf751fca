// The upstream side of the fan-out, per market and channel (public or
// private): as few KuCoin connections as KuCoin's limits allow. Topics fill
// the first connection with room (≤ maxTopicsPerConnection), then another
// opens. It implements the hub's UpstreamPort.
import type { Market } from '../kucoin/catalog.js'
import type { UpstreamPort } from './hub.js'
import { RateWindow } from './rate-window.js'
import { batchTopics } from './topics.js'
import { Connection, type BulletToken, type ConnectionHooks, type ConnectionLimits } from './upstream-connection.js'

export interface UpstreamLimits extends ConnectionLimits {
  maxTopicsPerConnection: number
  maxConnectsPerMinute: number
}

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimits = {
  maxTopicsPerConnection: 300,
  maxSymbolsPerFrame: 100,
  maxFramesPerWindow: 100,
  frameWindowMs: 10_000,
  maxConnectsPerMinute: 30,
  welcomeTimeoutMs: 10_000,
  renewAfterMs: 23 * 60 * 60 * 1000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000
}

export interface UpstreamEvents {
  onMessage: (topic: string, frame: Buffer) => void
  onDown: (topics: string[], reason: string) => void
  onUp: (topics: string[], event: { reconnect: boolean, renewal: boolean }) => void
  onTopicAck: (topic: string) => void
  onTopicRefused: (topic: string, code: number, message: string) => void
}

/** What readiness and metrics read of a pool. */
export interface PoolStatus {
  /** Topics the pool holds (subscribed or being subscribed). */
  topics: number
  /** Connections holding topics, and how many of those are open. */
  connections: number
  open: number
}

export interface UpstreamOptions {
  market: Market
  channel: 'public' | 'private'
  limits: UpstreamLimits
  fetchToken: () => Promise<BulletToken>
  events: UpstreamEvents
  log: ConnectionHooks['log']
}

export class UpstreamPool implements UpstreamPort {
  readonly connections: Connection[] = []
  private readonly connects: RateWindow

  constructor (private readonly options: UpstreamOptions) {
    this.connects = new RateWindow(options.limits.maxConnectsPerMinute, 60_000)
  }

  subscribe (topics: string[]): void {
    const byConnection = new Map<Connection, string[]>()
    for (const topic of topics) {
      const connection = this.withRoom()
      connection.topics.add(topic) // reserve the slot now so the next topic counts it
      byConnection.set(connection, [...(byConnection.get(connection) ?? []), topic])
    }
    for (const [connection, list] of byConnection) connection.subscribe(list)
  }

  unsubscribe (topics: string[]): void {
    for (const connection of [...this.connections]) {
      const mine = topics.filter(t => connection.topics.has(t))
      if (!mine.length) continue
      connection.unsubscribe(mine)
      if (connection.topics.size === 0) this.retire(connection)
    }
  }

  /** Topics a connection serves; a connection with none is closed. */
  topicCount (): number {
    return this.connections.reduce((n, c) => n + c.topics.size, 0)
  }

  status (): PoolStatus {
    const holding = this.connections.filter(c => c.topics.size > 0)
    return { topics: this.topicCount(), connections: holding.length, open: holding.filter(c => c.state === 'open').length }
  }

  close (): void {
    for (const connection of this.connections) connection.close()
    this.connections.length = 0
  }

  private withRoom (): Connection {
    const existing = this.connections.find(c => c.topics.size < this.options.limits.maxTopicsPerConnection)
    if (existing) return existing
    const { limits, market, fetchToken, events, log } = this.options
    const connection = new Connection(limits, {
      fetchToken,
      connectSlot: () => this.connectSlot(),
      batch: topics => batchTopics(market, topics, limits.maxSymbolsPerFrame),
      ...events,
      log
    }, this.options.channel === 'private')
    this.connections.push(connection)
    connection.start()
    return connection
  }

  private retire (connection: Connection): void {
    connection.close()
    this.connections.splice(this.connections.indexOf(connection), 1)
  }

  /** Waits for a free slot under KuCoin's new-connection rate. */
  private async connectSlot (): Promise<void> {
    for (let wait = this.connects.delay(); wait > 0; wait = this.connects.delay()) {
      await new Promise(resolve => setTimeout(resolve, wait).unref())
    }
    this.connects.take()
  }
}

// One market's fan-out: a Hub, and behind it two upstream pools (public and
// private topics need different KuCoin tokens). Routes upstream frames into
// the hub, and turns upstream drops and reconnects into notices.
import type { Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import type { FreshnessClass } from '../kucoin/ws-topics.js'
import { Hub, type HubOptions, type Route, type UpstreamPort } from './hub.js'
import { WS_ERROR, noticeFrame } from './protocol.js'
import { routeOf, specOf } from './topics.js'
import { UpstreamPool, type UpstreamBudget, type UpstreamEvents, type UpstreamLimits } from './upstream.js'
import type { BulletToken, ConnectionHooks } from './upstream-connection.js'

export interface FeedOptions {
  market: Market
  client: KucoinClient
  hub: Omit<HubOptions, 'timers' | 'clock' | 'freshness'>
  limits: UpstreamLimits
  /** Shared with the other market's feed: KuCoin counts connections per user. */
  budget?: UpstreamBudget
  log: ConnectionHooks['log']
  /** Silence after which a live topic of each class is stale (0 = never); default: no stale notices. */
  staleAfterMs?: Record<FreshnessClass, number>
  /**
   * Replica mode (src/replicas/upstream-owner.ts): given the hub's side and
   * the pools' side, returns what sits between them — the hub's upstream
   * port, and the events the pools report. Absent: the hub talks to the pools.
   */
  relay?: (sides: { local: UpstreamEvents, upstream: UpstreamPort }) => { port: UpstreamPort, events: UpstreamEvents }
}

/** Why KuCoin (or the upstream budget) refused a topic: a bounded label set for metrics. */
export const REFUSAL_REASONS = ['not-found', 'invalid', 'forbidden', 'limit', 'other'] as const
export type RefusalReason = typeof REFUSAL_REASONS[number]

export function refusalReason (code: number): RefusalReason {
  switch (code) {
    case WS_ERROR.topicNotFound: return 'not-found'
    case WS_ERROR.invalidTopic: case WS_ERROR.topicRequired: case WS_ERROR.typeNotSupported: return 'invalid'
    case WS_ERROR.tokenInvalid: case WS_ERROR.loginRequired: return 'forbidden'
    case WS_ERROR.limitExceeded: return 'limit'
    default: return 'other'
  }
}

interface BulletData {
  token: string
  instanceServers: Array<{ endpoint: string, pingInterval: number, pingTimeout: number }>
}

async function fetchBullet (client: KucoinClient, market: Market, channel: 'public' | 'private'): Promise<BulletToken> {
  const data = await client.data<BulletData>(market, 'POST', `/api/v1/bullet-${channel}`, { signed: channel === 'private' })
  const server = data.instanceServers[0]
  if (!server) throw new Error('bullet response has no instance server')
  return { token: data.token, endpoint: server.endpoint, pingIntervalMs: server.pingInterval, pingTimeoutMs: server.pingTimeout }
}

export interface FeedStatus {
  /** Every channel that holds topics has an open upstream connection: the feed can serve. */
  ready: boolean
  /** Some upstream connection holding topics is not open (its topics wait for a reconnect). */
  degraded: boolean
  /** Topics subscribed upstream (or being subscribed). */
  topics: number
  /** Topics KuCoin has not (yet, or since a drop) acked. */
  pending: number
  /** Upstream connections holding them, and how many of those are open. */
  connections: number
  open: number
  /** Live topics silent past their threshold. */
  stale: number
  /** The longest-silent live topics (at most five). */
  oldest: Array<{ topic: string, ageMs: number, stale: boolean }>
}

export class Feed {
  readonly hub: Hub
  readonly pools: Record<'public' | 'private', UpstreamPool>
  /** Upstream reconnects and renewals per channel since start, for metrics (connections come and go). */
  readonly totals = { public: { reconnects: 0, renewals: 0 }, private: { reconnects: 0, renewals: 0 } }
  /** Topics refused by KuCoin or the upstream budget, by reason, since start. */
  readonly refusals: Record<RefusalReason, number> = { 'not-found': 0, invalid: 0, forbidden: 0, limit: 0, other: 0 }
  /** Routing per topic, worked out once per topic rather than per frame. */
  private readonly routes = new Map<string, Route>()
  private readonly sweeper: NodeJS.Timeout

  constructor (private readonly options: FeedOptions) {
    const { market, client, limits, log } = options
    // What the pools report, delivered to this feed's hub. In replica mode the
    // relay carries it over the bus first, and back here on every replica
    // (the channel is then the topic's, as the bus does not say which pool).
    const localFor = (fixed?: 'public' | 'private'): UpstreamEvents => ({
      onMessage: (topic, frame) => this.hub.publish(topic, frame, this.routeFor(topic)),
      onDown: (topics, reason) => {
        this.hub.down(topics)
        this.notice(topics, 'upstream.reconnecting', { reason, gap: true })
      },
      onUp: (topics, event) => {
        const channel = fixed ?? this.channelOf(topics[0])
        if (event.renewal) this.totals[channel].renewals++
        if (event.reconnect) {
          this.totals[channel].reconnects++
          this.notice(topics, 'upstream.reconnected', { gap: true })
        }
      },
      onTopicAck: topic => this.hub.acked(topic),
      onTopicRefused: (topic, code, message) => {
        this.refusals[refusalReason(code)]++
        const clients = this.hub.refused(topic, code, message)
        this.routes.delete(topic)
        log.warn({ market, channel: fixed ?? this.channelOf(topic), topic, code, message, clients }, 'KuCoin refused a subscription')
      }
    })
    const upstream: UpstreamPort = {
      subscribe: topics => this.split(topics, 'subscribe'),
      unsubscribe: topics => this.split(topics, 'unsubscribe')
    }
    const relay = options.relay?.({ local: localFor(), upstream })
    const pool = (channel: 'public' | 'private'): UpstreamPool => new UpstreamPool({
      market,
      channel,
      limits,
      log,
      budget: options.budget,
      fetchToken: () => fetchBullet(client, market, channel),
      events: relay?.events ?? localFor(channel)
    })
    this.pools = { public: pool('public'), private: pool('private') }
    const stale = options.staleAfterMs
    this.hub = new Hub(relay?.port ?? upstream, {
      ...options.hub,
      freshness: stale && {
        thresholdMs: topic => stale[specOf(market, topic)?.freshness ?? 'none'],
        notice: (subject, topic, silentMs) => Buffer.from(noticeFrame(subject, { market, topic, silentMs }))
      }
    })
    this.sweeper = setInterval(() => this.hub.sweep(), 1000)
    this.sweeper.unref()
  }

  private channelOf (topic: string | undefined): 'public' | 'private' {
    return topic !== undefined && specOf(this.options.market, topic)?.private ? 'private' : 'public'
  }

  private split (topics: string[], action: 'subscribe' | 'unsubscribe'): void {
    const byChannel = { public: [] as string[], private: [] as string[] }
    for (const topic of topics) byChannel[specOf(this.options.market, topic)?.private ? 'private' : 'public'].push(topic)
    for (const channel of ['public', 'private'] as const) if (byChannel[channel].length) this.pools[channel][action](byChannel[channel])
    if (action === 'unsubscribe') for (const topic of topics) this.routes.delete(topic)
  }

  private routeFor (topic: string): Route {
    let route = this.routes.get(topic)
    if (route === undefined) {
      route = routeOf(this.options.market, topic)
      if (this.routes.size < 100_000) this.routes.set(topic, route)
    }
    return route
  }

  private notice (topics: string[], subject: 'upstream.reconnecting' | 'upstream.reconnected', data: Record<string, unknown>): void {
    if (!topics.length) return
    this.hub.notify(topics, Buffer.from(noticeFrame(subject, { market: this.options.market, topics, ...data })))
  }

  /** Upstream sockets, for readiness and metrics. */
  connections (): Array<{ channel: 'public' | 'private', state: string, topics: number }> {
    return (['public', 'private'] as const).flatMap(channel => this.pools[channel].connections.map(c =>
      ({ channel, state: c.state, topics: c.topics.size })))
  }

  /**
   * Readiness: whether the feed can serve, i.e. each channel that holds
   * topics reaches KuCoin through at least one open connection. A shard
   * reconnecting (its clients have been told) or a full budget (new topics
   * are refused with 509) is `degraded`, not unready. Nothing subscribed is
   * ready: there is nothing to serve.
   */
  status (): FeedStatus {
    const pools = (['public', 'private'] as const).map(channel => this.pools[channel].status())
    const ready = pools.every(p => p.connections === 0 || p.open > 0)
    const connections = pools.reduce((n, p) => n + p.connections, 0)
    const open = pools.reduce((n, p) => n + p.open, 0)
    const ages = this.hub.ages()
    return {
      ready,
      degraded: open < connections,
      topics: pools.reduce((n, p) => n + p.topics, 0),
      pending: this.hub.stats().pending,
      connections,
      open,
      stale: ages.filter(a => a.stale).length,
      oldest: ages.slice(0, 5).map(({ topic, ageMs, stale }) => ({ topic, ageMs, stale }))
    }
  }

  close (): void {
    clearInterval(this.sweeper)
    this.hub.close()
    this.pools.public.close()
    this.pools.private.close()
  }
}

// One market's fan-out: a Hub, and behind it two upstream pools (public and
// private topics need different KuCoin tokens). Routes upstream frames into
// the hub, and turns upstream drops and reconnects into notices.
import type { Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import { Hub, type HubOptions } from './hub.js'
import { noticeFrame } from './protocol.js'
import { specOf } from './topics.js'
import { UpstreamPool, type UpstreamBudget, type UpstreamLimits } from './upstream.js'
import type { BulletToken, ConnectionHooks } from './upstream-connection.js'

export interface FeedOptions {
  market: Market
  client: KucoinClient
  hub: Omit<HubOptions, 'timers'>
  limits: UpstreamLimits
  /** Shared with the other market's feed: KuCoin counts connections per user. */
  budget?: UpstreamBudget
  log: ConnectionHooks['log']
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
  ready: boolean
  /** Topics subscribed upstream. */
  topics: number
  /** Upstream connections holding them, and how many of those are open. */
  connections: number
  open: number
}

export class Feed {
  readonly hub: Hub
  readonly pools: Record<'public' | 'private', UpstreamPool>
  /** Upstream reconnects and renewals per channel since start, for metrics (connections come and go). */
  readonly totals = { public: { reconnects: 0, renewals: 0 }, private: { reconnects: 0, renewals: 0 } }
  /** Conflation flag per topic, looked up once per topic rather than per frame. */
  private readonly conflate = new Map<string, boolean>()

  constructor (private readonly options: FeedOptions) {
    const { market, client, limits, log } = options
    const pool = (channel: 'public' | 'private'): UpstreamPool => new UpstreamPool({
      market,
      channel,
      limits,
      log,
      budget: options.budget,
      fetchToken: () => fetchBullet(client, market, channel),
      events: {
        onMessage: (topic, frame) => this.hub.publish(topic, frame, this.conflateOf(topic)),
        onDown: (topics, reason) => this.notice(topics, 'upstream.reconnecting', { reason, gap: true }),
        onUp: (topics, event) => {
          if (event.renewal) this.totals[channel].renewals++
          if (event.reconnect) {
            this.totals[channel].reconnects++
            this.notice(topics, 'upstream.reconnected', { gap: true })
          }
        },
        onTopicAck: () => {},
        onTopicRefused: (topic, code, message) => log.warn({ market, channel, topic, code, message }, 'KuCoin refused a subscription')
      }
    })
    this.pools = { public: pool('public'), private: pool('private') }
    this.hub = new Hub({
      subscribe: topics => this.split(topics, 'subscribe'),
      unsubscribe: topics => this.split(topics, 'unsubscribe')
    }, options.hub)
  }

  private split (topics: string[], action: 'subscribe' | 'unsubscribe'): void {
    const byChannel = { public: [] as string[], private: [] as string[] }
    for (const topic of topics) byChannel[specOf(this.options.market, topic)?.private ? 'private' : 'public'].push(topic)
    for (const channel of ['public', 'private'] as const) if (byChannel[channel].length) this.pools[channel][action](byChannel[channel])
    if (action === 'unsubscribe') for (const topic of topics) this.conflate.delete(topic)
  }

  private conflateOf (topic: string): boolean {
    let flag = this.conflate.get(topic)
    if (flag === undefined) {
      flag = specOf(this.options.market, topic)?.conflate ?? false
      if (this.conflate.size < 100_000) this.conflate.set(topic, flag)
    }
    return flag
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
   * Readiness: every upstream connection that holds topics (lingering ones
   * included) is open. Nothing subscribed is ready: there is nothing to serve.
   */
  status (): FeedStatus {
    const connections = this.connections().filter(c => c.topics > 0)
    const open = connections.filter(c => c.state === 'open').length
    const topics = connections.reduce((n, c) => n + c.topics, 0)
    return { ready: open === connections.length, topics, connections: connections.length, open }
  }

  close (): void {
    this.hub.close()
    this.pools.public.close()
    this.pools.private.close()
  }
}

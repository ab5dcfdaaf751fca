// /healthz: the process answers. /readyz: the gateway can serve — config is
// valid (it would not run otherwise), each KuCoin host answered its last time
// sync recently, the clock offset is known, and each market's WebSocket feed
// has its upstream connections open wherever topics are subscribed. Probes
// never wait on KuCoin.
import type { FastifyInstance } from 'fastify'
import type { Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import type { Replication } from '../replicas/replication.js'
import type { Feed, FeedStatus } from '../ws/feed.js'

export interface HealthRoutesOptions {
  client: KucoinClient
  feeds: Record<Market, Feed>
  /** Replica mode, when on. */
  replication?: Replication | undefined
  /** A sync older than this counts as stale (the host stopped answering). */
  staleAfterMs: number
}

function websocketCheck (feeds: Record<Market, Feed>): { ready: boolean, spot: FeedStatus, futures: FeedStatus } {
  const spot = feeds.spot.status()
  const futures = feeds.futures.status()
  return { ready: spot.ready && futures.ready, spot, futures }
}

function replicaCheck (replication: Replication): { ready: boolean } & ReturnType<Replication['status']> {
  const status = replication.status()
  return { ready: status.redis === 'up', ...status }
}

export async function healthRoutes (app: FastifyInstance, { client, feeds, replication, staleAfterMs }: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const now = Date.now()
    const markets = Object.entries(client.clocks).map(([market, clock]) => {
      const state = clock.state()
      const fresh = state.known && state.lastSyncAt !== undefined && now - state.lastSyncAt <= staleAfterMs
      // Kick a background resync so the next probe can see the host again.
      if (!fresh) clock.sync().catch(() => {})
      return [market, { ready: fresh, clockOffsetMs: state.known ? state.offsetMs : null, lastSyncAt: state.lastSyncAt ?? null, lastError: state.lastError ?? null }] as const
    })
    // Reconnecting upstream connections fix themselves; a probe only reports them.
    const websocket = websocketCheck(feeds)
    const ready = markets.every(([, check]) => check.ready) && websocket.ready
    // Replica mode with Redis unreachable: REST still serves and stays in rotation, but the
    // streams are not verified (no bus, no lease), which the probe says rather than hides.
    const replicas = replication && replicaCheck(replication)
    const body = { ready, ...(replicas && { degraded: !replicas.ready }), checks: { config: { ready: true }, ...Object.fromEntries(markets), websocket, ...(replicas && { replicas }) } }
    return reply.code(ready ? 200 : 503).send(body)
  })
}

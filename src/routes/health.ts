// /healthz: the process answers. /readyz: the gateway can serve — config is
// valid (it would not run otherwise), each KuCoin host answered its last time
// sync recently, and the clock offset is known. Probes never wait on KuCoin.
import type { FastifyInstance } from 'fastify'
import type { KucoinClient } from '../kucoin/client.js'

export interface HealthRoutesOptions {
  client: KucoinClient
  /** A sync older than this counts as stale (the host stopped answering). */
  staleAfterMs: number
}

export async function healthRoutes (app: FastifyInstance, { client, staleAfterMs }: HealthRoutesOptions): Promise<void> {
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
    const ready = markets.every(([, check]) => check.ready)
    return reply.code(ready ? 200 : 503).send({ ready, checks: { config: { ready: true }, ...Object.fromEntries(markets) } })
  })
}

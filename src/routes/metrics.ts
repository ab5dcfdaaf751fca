// GET /metrics: the Prometheus text exposition of the app's one registry,
// and the hook that counts every HTTP answer by route template.
import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../metrics.js'

export async function metricsRoutes (app: FastifyInstance, { metrics }: { metrics: Metrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return await metrics.registry.metrics()
  })
}

/** Counts on the root instance so every route, and unmatched URLs, are seen. */
export function countRequests (app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL: label values stay bounded.
    const route = request.routeOptions.url ?? 'unmatched'
    const method = request.method
    metrics.httpRequests.inc({ route, method, status: String(reply.statusCode) })
    metrics.httpDuration.observe({ route, method }, reply.elapsedTime / 1000)
  })
}

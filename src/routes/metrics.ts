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
  // A callback hook: an async one costs a promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: label values stay bounded.
    metrics.httpRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
}

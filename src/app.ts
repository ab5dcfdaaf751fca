// buildApp(config): the whole gateway as a fastify instance, no globals.
// Plugins are registered in one explicit order; this list is the map.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { installErrorHandling } from './error-handler.js'
import { Catalog } from './kucoin/catalog.js'
import { KucoinClient } from './kucoin/client.js'
import { healthRoutes } from './routes/health.js'
import { restRoutes } from './routes/rest.js'

declare module 'fastify' {
  interface FastifyInstance {
    kucoin: KucoinClient
    catalog: Catalog
  }
}

export interface AppOptions {
  /** A pino logger config or instance; defaults to JSON logs at config.logLevel. */
  logger?: FastifyServerOptions['logger']
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

/** Keeps a caller's x-request-id when it is sane, so logs join up across services. */
function requestId (req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** Never log a credential, whatever a client sends. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["kc-api-key"]', 'req.headers["kc-api-sign"]', 'req.headers["kc-api-passphrase"]']

export async function buildApp (config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: REDACT },
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    return503OnClosing: true
  })
  const catalog = new Catalog()
  const client = new KucoinClient(config)
  app.decorate('kucoin', client)
  app.decorate('catalog', catalog)

  app.addHook('onRequest', async (request, reply) => { reply.header('x-request-id', request.id) })
  installErrorHandling(app)

  await app.register(healthRoutes, { client, staleAfterMs: config.timeSyncIntervalMs * 3 })
  await app.register(restRoutes, { client, catalog, config })

  // Time sync runs in the background: a KuCoin outage must not stop the
  // gateway from starting, /readyz reports it instead.
  app.addHook('onReady', async () => { client.start(config.timeSyncIntervalMs).catch(() => {}) })
  app.addHook('onClose', async () => { await client.close() })
  return app
}

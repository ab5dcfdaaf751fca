// buildApp(config): the whole gateway as a fastify instance, no globals.
// Plugins are registered in one explicit order; this list is the map.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { installErrorHandling } from './error-handler.js'
import { Catalog, type Market } from './kucoin/catalog.js'
import { KucoinClient } from './kucoin/client.js'
import { healthRoutes } from './routes/health.js'
import { restRoutes } from './routes/rest.js'
import { downstreamRoutes } from './ws/downstream.js'
import { Feed } from './ws/feed.js'
import { TokenStore } from './ws/tokens.js'
import { DEFAULT_UPSTREAM_LIMITS } from './ws/upstream.js'

declare module 'fastify' {
  interface FastifyInstance {
    kucoin: KucoinClient
    catalog: Catalog
    feeds: Record<Market, Feed>
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

  const feeds = createFeeds(config, client, app)
  app.decorate('feeds', feeds)

  // Registered once at the root with our limits (mercurius reuses it later):
  // clients only send small control frames, and deflate costs more than it saves here.
  await app.register(websocket, { options: { maxPayload: 64 * 1024, perMessageDeflate: false } })
  await app.register(healthRoutes, { client, feeds, staleAfterMs: config.timeSyncIntervalMs * 3 })
  await app.register(restRoutes, { client, catalog, config })
  await app.register(downstreamRoutes, {
    feeds,
    tokens: new TokenStore(config.ws.tokenTtlMs, 100_000),
    hasCredentials: client.hasCredentials,
    limits: {
      pingIntervalMs: config.ws.pingIntervalMs,
      pingTimeoutMs: config.ws.pingTimeoutMs,
      maxTopicsPerClient: config.ws.maxTopicsPerClient,
      maxFramesPerWindow: config.ws.maxFramesPer10s,
      frameWindowMs: 10_000
    }
  })

  // Time sync runs in the background: a KuCoin outage must not stop the
  // gateway from starting, /readyz reports it instead.
  app.addHook('onReady', async () => { client.start(config.timeSyncIntervalMs).catch(() => {}) })
  app.addHook('onClose', async () => {
    for (const feed of Object.values(feeds)) feed.close()
    await client.close()
  })
  return app
}

function createFeeds (config: Config, client: KucoinClient, app: FastifyInstance): Record<Market, Feed> {
  const { upstreamWs, ws } = config
  const limits = {
    ...DEFAULT_UPSTREAM_LIMITS,
    maxTopicsPerConnection: upstreamWs.maxTopicsPerConnection,
    maxSymbolsPerFrame: upstreamWs.maxSymbolsPerFrame,
    maxFramesPerWindow: upstreamWs.maxFramesPer10s,
    maxConnectsPerMinute: upstreamWs.maxConnectsPerMinute,
    renewAfterMs: upstreamWs.renewAfterMs
  }
  const hub = { lingerMs: ws.lingerMs, softLimitBytes: ws.softLimitBytes, hardLimitBytes: ws.hardLimitBytes }
  const feed = (market: Market): Feed => new Feed({ market, client, hub, limits, log: app.log.child({ feed: market }) })
  return { spot: feed('spot'), futures: feed('futures') }
}

// buildApp(config): the whole gateway as a fastify instance, no globals.
// Plugins are registered in one explicit order; this list is the map.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import websocket from '@fastify/websocket'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import { Access } from './access.js'
import { Books } from './books/books.js'
import { bookRoutes } from './books/routes.js'
import { BookTopics } from './books/ws-topics.js'
import type { Config } from './config.js'
import { installErrorHandling } from './error-handler.js'
import { installBoundary } from './http/boundary.js'
import { clientErrorHandler } from './http/client-errors.js'
import { connectionLimits, guardConnections } from './http/connections.js'
import { logRequests, loggerOptions, scrubberFor, type Scrub } from './logging.js'
import { Metrics, governorSeries, sharedBudgetSeries } from './metrics.js'
import { sharedBudget } from './replicas/budget-app.js'
import { sharedIdempotencyStore } from './replicas/idempotency-app.js'
import { Replication } from './replicas/replication.js'
import { sharedTokenKey } from './replicas/token-key.js'
import { installGracefulClose } from './shutdown.js'
import { reportUpstreams } from './startup-report.js'
import graphqlPlugin from './graphql/graphql-plugin.js'
import { Catalog, type Market } from './kucoin/catalog.js'
import { KucoinClient } from './kucoin/client.js'
import { docsRoutes } from './routes/docs.js'
import { graphiqlRoutes } from './routes/graphiql.js'
import { healthRoutes } from './routes/health.js'
import { countRequests, metricsRoutes } from './routes/metrics.js'
import { restRoutes } from './routes/rest.js'
import { MemoryStore } from './orders/idempotency-store.js'
import { Placements } from './orders/placements.js'
import { placementRoutes } from './orders/routes.js'
import { DEFAULT_SETTLE_DELAYS_MS } from './orders/settler.js'
import { OrderCache } from './orders/order-cache.js'
import { rootRoutes } from './routes/root.js'
import { bulletRoutes } from './ws/bullet.js'
import { downstreamRoutes } from './ws/downstream.js'
import { Feed } from './ws/feed.js'
import { WsTokens } from './ws/tokens.js'
import { DEFAULT_UPSTREAM_LIMITS, UpstreamBudget } from './ws/upstream.js'

declare module 'fastify' {
  interface FastifyInstance {
    kucoin: KucoinClient
    catalog: Catalog
    access: Access
    metrics: Metrics
    feeds: Record<Market, Feed>
    books: Books
    placements: Placements
    orderCache: OrderCache
    /** Removes this configuration's secrets and anything signature-shaped from a text (logs, problems, GraphQL errors). */
    scrub: Scrub
  }
}

export interface AppOptions {
  /** Where JSON log lines go; stdout by default. Tests capture them here. */
  logStream?: DestinationStream
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

/** Keeps a caller's x-request-id when it is sane, so logs join up across services. */
function requestId (req: IncomingMessage): string {
  const incoming = req.headers['x-request-id']
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

export async function buildApp (config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // logging.ts writes one line per request instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    return503OnClosing: true,
    // X-Forwarded-Proto/-Host/-For count only from these peers (bullet URLs, Host check, logs).
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // Slowloris: headers must arrive in time, checked often enough for that to mean something.
    http: { headersTimeout: config.connections.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.connections.headersTimeoutMs) },
    clientErrorHandler
  })
  const connections = guardConnections(app.server, connectionLimits(config.connections, config.upstream.connections), config.connections.headersTimeoutMs)
  const catalog = new Catalog()
  const client = new KucoinClient(config, catalog)
  const access = new Access(config.tokens)
  app.decorate('scrub', scrubberFor(config))
  app.decorate('kucoin', client)
  app.decorate('catalog', catalog)
  app.decorate('access', access)

  // Callback hooks on the per-request path (here, logging.ts, boundary.ts, routes/metrics.ts): an async one costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  logRequests(app)
  installErrorHandling(app)

  // Replica mode: one upstream owner per market across replicas, frames shared over Redis.
  const replication = config.replicas.redisUrl === undefined ? undefined : new Replication(config, app.log.child({ component: 'replicas' }))
  const feeds = createFeeds(config, client, app, replication)
  app.decorate('feeds', feeds)
  const metrics = new Metrics({ catalog, clocks: client.clocks, feeds, connections, replication })
  app.decorate('metrics', metrics)
  client.observer = event => { metrics.upstream(event) }
  governorSeries(metrics, client.governor, client.shared)
  const budget = sharedBudget(config, client.governor, app)
  if (budget !== undefined) sharedBudgetSeries(metrics, client.governor, budget, config.replicas.replicaId)
  const books = createBooks(config, client, feeds, metrics)
  app.decorate('books', books)
  countRequests(app, metrics)
  const orderCache = createOrderCache(config, client, feeds)
  app.decorate('orderCache', orderCache)
  metrics.orderCacheSeries(orderCache)
  const placements = createPlacements(config, client, metrics, app, orderCache)
  app.decorate('placements', placements)

  // A stopping owner hands its upstream slots over first, while it still drains (hand-off within a second).
  if (replication) app.addHook('preClose', async () => { await replication.release() })
  installGracefulClose(app)
  // Registered once at the root with our limits (mercurius reuses it later):
  // clients only send small control frames, and deflate costs more than it saves here.
  await app.register(websocket, { options: { maxPayload: 64 * 1024, perMessageDeflate: false } })
  // Host, cross-site and content-type checks, before every route and upgrade (src/http/boundary.ts);
  // after @fastify/websocket's hook marks upgrades, so a refused one has its socket closed.
  await installBoundary(app, config)
  await app.register(rootRoutes)
  await app.register(healthRoutes, { client, feeds, replication, staleAfterMs: config.timeSyncIntervalMs * 3 })
  await app.register(metricsRoutes, { metrics })
  await app.register(docsRoutes)
  await app.register(restRoutes, { access, client, catalog, config, placements, orderCache })
  await app.register(placementRoutes, { access, placements })
  await app.register(bookRoutes, { access, books })
  // Signed, not stored: in replica mode every replica signs with the group's key from Redis.
  const wsTokens = new WsTokens(config.ws.tokenTtlMs)
  sharedTokenKey(config, wsTokens, app)
  await app.register(bulletRoutes, {
    access,
    tokens: wsTokens,
    hasCredentials: client.hasCredentials,
    pingIntervalMs: config.ws.pingIntervalMs,
    pingTimeoutMs: config.ws.pingTimeoutMs,
    publicUrl: config.publicUrl
  })
  await app.register(downstreamRoutes, {
    feeds,
    tokens: wsTokens,
    hasCredentials: client.hasCredentials,
    limits: {
      pingIntervalMs: config.ws.pingIntervalMs,
      pingTimeoutMs: config.ws.pingTimeoutMs,
      maxTopicsPerClient: config.ws.maxTopicsPerClient,
      maxFramesPerWindow: config.ws.maxFramesPer10s,
      frameWindowMs: 10_000
    },
    virtual: new BookTopics(books)
  })
  await app.register(graphqlPlugin, { config, tokens: access, metrics, client, catalog, feeds, books, placements })
  await app.register(graphiqlRoutes)

  // Time sync runs in the background: a KuCoin outage must not stop the
  // gateway from starting, /readyz reports it instead.
  // The first sync's result is logged per host, so a gateway that cannot reach KuCoin says so at start.
  if (config.tradingEnabled && config.orders.journalPath === undefined && config.replicas.redisUrl === undefined) {
    app.log.warn('KGW_IDEMPOTENCY_JOURNAL is not set: idempotency keys live in memory, so a key retried after a restart could place a second order')
  }
  app.addHook('onReady', async () => {
    client.start(config.timeSyncIntervalMs).then(() => { reportUpstreams(app.log, client) }, () => {})
    orderCache.start()
  })
  app.addHook('onClose', async () => {
    orderCache.stop()
    placements.close()
    await placements.store.close()
    books.close()
    for (const feed of Object.values(feeds)) feed.close()
    await replication?.close()
    await client.close()
  })
  return app
}

/** The read-your-writes order cache, fed through the client's tap and the private order streams (src/orders/order-cache.ts). */
function createOrderCache (config: Config, client: KucoinClient, feeds: Record<Market, Feed>): OrderCache {
  // Without credentials there is no private stream to trust, and nothing to place.
  const mode = client.hasCredentials ? config.orderCache.mode : 'off'
  const cache = new OrderCache({ ...config.orderCache, mode }, { spot: feeds.spot.hub, futures: feeds.futures.hub })
  if (mode !== 'off') client.tap = req => cache.tap(req)
  return cache
}

function createFeeds (config: Config, client: KucoinClient, app: FastifyInstance, replication: Replication | undefined): Record<Market, Feed> {
  const { upstreamWs, ws } = config
  const limits = {
    ...DEFAULT_UPSTREAM_LIMITS,
    maxTopicsPerConnection: upstreamWs.maxTopicsPerConnection,
    maxSymbolsPerFrame: upstreamWs.maxSymbolsPerFrame,
    maxFramesPerWindow: upstreamWs.maxFramesPer10s,
    maxConnectsPerMinute: upstreamWs.maxConnectsPerMinute,
    renewAfterMs: upstreamWs.renewAfterMs,
    maxConnections: upstreamWs.maxConnections,
    ackTimeoutMs: upstreamWs.ackTimeoutMs
  }
  const hub = { lingerMs: ws.lingerMs, softLimitBytes: ws.softLimitBytes, hardLimitBytes: ws.hardLimitBytes, history: { frames: ws.historyFrames, maxAgeMs: ws.historyMs } }
  const staleAfterMs = { periodic: ws.stalePeriodicMs, market: ws.staleMarketMs, none: 0 }
  // One budget for every upstream pool: KuCoin counts connections, and new connections a minute, per user.
  const budget = new UpstreamBudget(limits.maxConnections, limits.maxConnectsPerMinute)
  const feed = (market: Market): Feed => new Feed({ market, client, hub, limits, budget, staleAfterMs, log: app.log.child({ feed: market }), relay: replication?.relay(market) })
  return { spot: feed('spot'), futures: feed('futures') }
}

function createBooks (config: Config, client: KucoinClient, feeds: Record<Market, Feed>, metrics: Metrics): Books {
  const { books, ws } = config
  const created = new Books({
    hubs: { spot: feeds.spot.hub, futures: feeds.futures.hub },
    fetch: async (market, source, symbol) => await client.data(market, 'GET', source.path, { query: `symbol=${encodeURIComponent(symbol)}`, signed: source.signed, fresh: true }),
    fullSpotBook: books.spotSnapshot === 'full' || (books.spotSnapshot === 'auto' && client.hasCredentials),
    limits: { ...books, softLimitBytes: ws.softLimitBytes },
    observer: metrics.bookObserver(),
    kucoinNow: market => client.clocks[market].now()
  })
  metrics.bookSeries(created)
  return created
}

/** Idempotent placement; a lost answer is settled by the order cache's stream and by lookups (src/orders/settler.ts). */
function createPlacements (config: Config, client: KucoinClient, metrics: Metrics, app: FastifyInstance, orderCache: OrderCache): Placements {
  const { orders } = config
  const store = sharedIdempotencyStore(config, app) ??
    new MemoryStore({ maxRecords: orders.maxRecords, ttlMs: orders.ttlMs, journalPath: orders.journalPath, fsync: orders.journalFsync })
  return new Placements(store, client, {
    timeWindowMs: orders.timeWindowMs,
    graceMs: orders.settleGraceMs,
    inFlightWaitMs: orders.inFlightWaitMs,
    settleWaitMs: orders.settleWaitMs,
    settleMaxMs: orders.settleMaxMs,
    settleDelaysMs: DEFAULT_SETTLE_DELAYS_MS,
    watch: orderCache
  }, metrics.placementObserver(), app.log.child({ component: 'orders' }))
}

// The GraphQL API (DESIGN §1.4): mercurius on /graphql (queries, mutations),
// live/ on WebSocket upgrades of /graphql (subscriptions over graphql-ws,
// grouped so identical ones execute once per event), GraphiQL on /graphiql. Queries and
// mutations reach KuCoin through the REST client and the same policy as the
// proxy; subscriptions are clients of the WebSocket hub. Access is decided in
// one place (context.ts) for HTTP and WebSocket alike.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import mercurius, { type IResolvers } from 'mercurius'
import type { Access as TokenAccess } from '../access.js'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics.js'
import type { Catalog, Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import type { Feed } from '../ws/feed.js'
import { accessFor, type AccessOptions } from './context.js'
import { formatErrors } from './errors.js'
import { countRejected, observeGraphql } from './observe.js'
import { newStreamStats, type StreamStats } from './hub-stream.js'
import { subscriptionsOverHttp } from './live/operation.js'
import { serveSubscriptions } from './live/serve.js'
import { buildResolvers } from './resolvers/index.js'
import { PRIVATE_SUBSCRIPTIONS } from './resolvers/subscriptions.js'
import { loadSdl } from './schema.js'
import { Upstream } from './upstream.js'

export interface GraphqlOptions {
  config: Config
  tokens: TokenAccess
  metrics: Metrics
  client: KucoinClient
  catalog: Catalog
  feeds: Record<Market, Feed>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The GraphQL API's upstream (coalescer statistics) and subscription statistics. */
    graphqlGateway: { upstream: Upstream, streams: StreamStats }
  }
}

async function graphqlPlugin (app: FastifyInstance, { config, tokens, metrics, client, catalog, feeds }: GraphqlOptions): Promise<void> {
  const access: AccessOptions = { tokens, hasCredentials: client.hasCredentials, tradingEnabled: config.tradingEnabled }
  // Queries and mutations need a token with read (mutations also trade, checked per field), like
  // REST: a 401/403 problem before any parsing. Subscriptions authenticate in connectionInit instead,
  // since browsers cannot set headers on a WebSocket upgrade. GraphiQL's page itself is open.
  app.addHook('onRequest', async request => {
    if (request.routeOptions.url === '/graphql' && request.headers.upgrade === undefined) tokens.require(request.headers, 'read')
  })
  const upstream = new Upstream({
    client,
    catalog,
    policy: { tradingEnabled: config.tradingEnabled, hasCredentials: client.hasCredentials },
    cacheTtlMs: config.graphql.cacheTtlMs,
    cacheMaxEntries: config.graphql.cacheMaxEntries,
    shareInFlight: config.graphql.shareInFlight
  })
  const streams = newStreamStats()
  // Subscriptions are served by live/ (grouped executions), not by mercurius.
  const { Subscription, ...resolvers } = buildResolvers(upstream, { feeds, stats: streams })
  await app.register(mercurius, {
    schema: loadSdl(),
    resolvers: resolvers as unknown as IResolvers,
    path: '/graphql',
    graphiql: true,
    // Compile a query to JS on its second use: the hot dashboard queries repeat.
    jit: 1,
    context: request => ({ access: accessFor(request.headers, access) }),
    validationRules: [subscriptionsOverHttp],
    errorFormatter: ((execution: Parameters<typeof formatErrors>[0], context: Parameters<typeof formatErrors>[1]) => {
      countRejected(metrics, context, execution.errors)
      return formatErrors(execution, context)
    }) as never
  })
  observeGraphql(app, metrics)
  serveSubscriptions(app, {
    path: '/graphql',
    resolvers: Subscription,
    privateFields: PRIVATE_SUBSCRIPTIONS,
    access,
    limits: { ...config.ws, maxSubscriptions: config.ws.maxTopicsPerClient, initTimeoutMs: 3000 },
    stats: streams,
    metrics
  })
  metrics.graphqlSubscriptionSeries(streams)
  app.decorate('graphqlGateway', { upstream, streams })
}

export default fp(graphqlPlugin, { name: 'kgw-graphql', fastify: '5.x' })

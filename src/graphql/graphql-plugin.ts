// The GraphQL API (DESIGN §1.4): mercurius on /graphql (queries, mutations,
// and subscriptions over graphql-ws), GraphiQL on /graphiql. Queries and
// mutations reach KuCoin through the REST client and the same policy as the
// proxy; subscriptions are clients of the WebSocket hub. Access is decided in
// one place (context.ts) for HTTP and WebSocket alike.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius'
import type { Config } from '../config.js'
import type { Catalog, Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import type { Feed } from '../ws/feed.js'
import { acceptConnection, accessFor, type AccessOptions } from './context.js'
import { formatErrors } from './errors.js'
import { newStreamStats, type StreamStats } from './hub-stream.js'
import { buildLoaders, buildResolvers } from './resolvers/index.js'
import { loadSdl } from './schema.js'
import { Upstream } from './upstream.js'

export interface GraphqlOptions {
  config: Config
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

async function graphqlPlugin (app: FastifyInstance, { config, client, catalog, feeds }: GraphqlOptions): Promise<void> {
  const access: AccessOptions = { hasCredentials: client.hasCredentials, tradingEnabled: config.tradingEnabled }
  const upstream = new Upstream({
    client,
    catalog,
    policy: { tradingEnabled: config.tradingEnabled, hasCredentials: client.hasCredentials },
    cacheTtlMs: config.graphql.cacheTtlMs,
    cacheMaxEntries: config.graphql.cacheMaxEntries,
    shareInFlight: config.graphql.shareInFlight
  })
  const streams = newStreamStats()
  await app.register(mercurius, {
    schema: loadSdl(),
    resolvers: buildResolvers(upstream, { feeds, stats: streams }) as unknown as IResolvers,
    loaders: buildLoaders(upstream) as unknown as MercuriusLoaders,
    path: '/graphql',
    graphiql: true,
    // Compile a query to JS on its second use: the hot dashboard queries repeat.
    jit: 1,
    context: request => ({ access: accessFor(request, access) }),
    subscription: {
      context: (_socket, request) => ({ access: accessFor(request, access) }),
      onConnect: ({ payload }) => acceptConnection(payload)
    },
    errorFormatter: formatErrors as never
  })
  app.decorate('graphqlGateway', { upstream, streams })
}

export default fp(graphqlPlugin, { name: 'kgw-graphql', fastify: '5.x' })

// The GraphQL API (DESIGN §1.4): mercurius on /graphql (queries, mutations),
// live/ on WebSocket upgrades of /graphql (subscriptions over graphql-ws,
// grouped so identical ones execute once per event); GraphiQL is routes/graphiql.ts. Queries and
// mutations reach KuCoin through the REST client and the same policy as the
// proxy; subscriptions are clients of the WebSocket hub. Access is decided in
// one place (context.ts) for HTTP and WebSocket alike.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { GraphQLError } from 'graphql'
import mercurius, { type IResolvers } from 'mercurius'
import type { Access as TokenAccess, Caller } from '../access.js'
import type { Config } from '../config.js'
import { requestRefusal, sendProblem } from '../error-handler.js'
import { GatewayError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import { RequestCall, fairShareKey } from '../http/caller-signal.js'
import type { Catalog, Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import type { Feed } from '../ws/feed.js'
import { NOBODY, accessFor, type AccessOptions } from './context.js'
import { formatErrors } from './errors.js'
import { countRejected, observeGraphql } from './observe.js'
import { newStreamStats, type StreamStats } from './hub-stream.js'
import { subscriptionsOverHttp } from './live/operation.js'
import { serveSubscriptions } from './live/serve.js'
import { LIMIT_KINDS, installOperationChecks } from './operation-checks.js'
import { buildResolvers } from './resolvers/index.js'
import { BOOK_SUBSCRIPTIONS, PRIVATE_SUBSCRIPTIONS } from './resolvers/subscriptions.js'
import type { Books } from '../books/books.js'
import { loadSdl } from './schema.js'
import { Upstream } from './upstream.js'
import type { Placements } from '../orders/placements.js'

export interface GraphqlOptions {
  config: Config
  tokens: TokenAccess
  metrics: Metrics
  client: KucoinClient
  catalog: Catalog
  feeds: Record<Market, Feed>
  books: Books
  placements: Placements
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The GraphQL API's upstream and subscription statistics. */
    graphqlGateway: { upstream: Upstream, streams: StreamStats }
  }
}

async function graphqlPlugin (app: FastifyInstance, { config, tokens, metrics, client, catalog, feeds, books, placements }: GraphqlOptions): Promise<void> {
  const access: AccessOptions = { tokens, hasCredentials: client.hasCredentials, tradingEnabled: config.tradingEnabled }
  // Every HTTP operation needs a token with read, like REST: a 401/403 problem before any parsing,
  // whatever else the request says (an `Upgrade: h2c` header is still HTTP). Only a real WebSocket
  // upgrade skips it: graphql-ws authenticates in connectionInit, since browsers cannot set headers
  // on one. Mutations also need trade (operation-checks.ts). GraphiQL's page itself is open.
  const callers = new WeakMap<FastifyRequest, Caller>()
  // Callback hooks: these run on every route (REST too), and an async hook costs a promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url !== '/graphql' || isWebSocketUpgrade(request)) { done(); return }
    try {
      callers.set(request, tokens.require(request.headers, 'read'))
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  })
  const format = (execution: Parameters<typeof formatErrors>[0], context: Parameters<typeof formatErrors>[1]): ReturnType<typeof formatErrors> => {
    countRejected(metrics, context, execution.errors)
    return formatErrors(execution, context)
  }
  const upstream = new Upstream({
    client,
    catalog,
    policy: { tradingEnabled: config.tradingEnabled, hasCredentials: client.hasCredentials },
    placements
  })
  const streams = newStreamStats()
  // Subscriptions are served by live/ (grouped executions), not by mercurius.
  const { Subscription, ...resolvers } = buildResolvers(upstream, { feeds, books, stats: streams }, placements)
  await app.register(mercurius, {
    schema: loadSdl(),
    resolvers: resolvers as unknown as IResolvers,
    path: '/graphql',
    // GraphiQL is served from local packages by src/routes/graphiql.ts: mercurius's page loads it from a CDN.
    graphiql: false,
    // Writes are JSON (src/http/content-type.ts); queries may also come as application/graphql.
    // No HEAD route beside GET (fastify adds one to every GET route): a HEAD would run the query, spend
    // KuCoin calls and drop the answer.
    additionalRouteOptions: { config: { bodyTypes: ['application/json', 'application/graphql'] }, exposeHeadRoute: false },
    allowBatchedQueries: config.graphql.maxBatch > 1,
    // A backstop to cost.ts's own count: graphql stops parsing past this many tokens.
    graphql: { parseOptions: { maxTokens: config.graphql.maxTokens + 100 } },
    // Compile a query to JS on its second use: the hot dashboard queries repeat.
    jit: 1,
    // The KuCoin calls an operation makes count toward its caller's fair share and stop when the caller goes:
    // resolvers pass `call` to upstream.ts. Its abort signal is made only if a resolver asks KuCoin.
    context: (request, reply) => {
      const caller = callers.get(request)
      return { access: accessFor(caller ?? NOBODY, access), call: new RequestCall(fairShareKey(request, caller, tokens.enabled), reply) }
    },
    validationRules: [subscriptionsOverHttp],
    errorFormatter: format as never,
    // Refused before running: auth, transport and boundary problems answer as on REST; limits and GraphQL's own errors stay GraphQL-shaped.
    errorHandler: (error, request, reply) => {
      // A body that is not JSON, too large, or no query at all is refused like any REST request (error-handler.ts).
      const refused = error instanceof GatewayError ? error : requestRefusal(error)
      if (refused !== undefined && !LIMIT_KINDS.has(refused.kind)) {
        countRejected(metrics, undefined, [new GraphQLError(refused.detail, { originalError: refused })])
        sendProblem(reply, refused)
        return
      }
      const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error })
      const { statusCode, response } = format({ data: undefined, errors: [graphqlError] }, { reply, app })
      reply.code(statusCode).send(response)
    }
  })
  installOperationChecks(app, config.graphql)
  observeGraphql(app, metrics)
  serveSubscriptions(app, {
    path: '/graphql',
    resolvers: Subscription,
    privateFields: PRIVATE_SUBSCRIPTIONS,
    soloFields: BOOK_SUBSCRIPTIONS,
    graphqlLimits: config.graphql,
    access,
    limits: { ...config.ws, maxSubscriptions: config.ws.maxTopicsPerClient, initTimeoutMs: 3000 },
    stats: streams,
    metrics
  })
  metrics.graphqlSubscriptionSeries(streams)
  app.decorate('graphqlGateway', { upstream, streams })
}

/** An upgrade that @fastify/websocket hands to graphql-ws, as opposed to an HTTP request that merely names one. */
function isWebSocketUpgrade (request: FastifyRequest): boolean {
  return request.ws && request.method === 'GET' && String(request.headers.upgrade).toLowerCase() === 'websocket'
}

export default fp(graphqlPlugin, { name: 'kgw-graphql', fastify: '5.x' })

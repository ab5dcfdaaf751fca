// graphql-ws on /graphql, served by the gateway rather than by mercurius:
// mercurius runs `subscribe` and `execute` and JSON.stringify for every
// subscriber of every event (subscription-connection.js), which is exactly
// what groups (group.ts) avoid, and it has no hook to hand a subscriber
// bytes serialized once for many. The graphql-ws server library has the same
// shape (one execution and one stringify per subscriber). So mercurius keeps
// queries and mutations on the same path (POST and GET), and WebSocket
// upgrades to that path are routed here by a route constraint on the
// Upgrade header. Same schema object, same resolvers, same access rules
// (context.ts), same error shape (errors.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type {} from '@fastify/websocket'
import type { GraphQLFieldConfig, GraphQLSchema } from 'graphql'
import type { WebSocket } from 'ws'
import type { Metrics } from '../../metrics.js'
import type { GraphqlLimits } from '../cost.js'
import type { AccessOptions } from '../context.js'
import { formatErrors } from '../errors.js'
import type { StreamStats } from '../hub-stream.js'
import { countSubscription } from '../observe.js'
import { LiveConnection, type LiveLimits } from './connection.js'
import { Groups } from './group.js'
import { Operations } from './operation.js'
import { CLOSE, dialectOf } from './protocol.js'

export interface LiveOptions {
  path: string
  /** The Subscription type's resolvers, attached to the schema here (mercurius only serves queries and mutations). */
  resolvers: object
  privateFields: ReadonlySet<string>
  /** Root fields whose subscriptions are never grouped. */
  soloFields?: ReadonlySet<string>
  /** Cost limits, as for queries (KGW_GRAPHQL_MAX_*). */
  graphqlLimits?: GraphqlLimits
  access: AccessOptions
  limits: LiveLimits
  stats: StreamStats
  metrics: Metrics
}

type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0]
type Stored = NonNullable<ReturnType<ReturnType<Strategy['storage']>['get']>>

/** Routes a request to the constrained route when it asks to upgrade to a WebSocket. */
const UPGRADE_STRATEGY: Strategy = {
  name: 'upgrade',
  storage () {
    const handlers = new Map<string, Stored>()
    return { get: value => handlers.get(value as string) ?? null, set: (value, handler) => { handlers.set(value as string, handler) } }
  },
  deriveConstraint: request => {
    const upgrade = request.headers.upgrade
    return typeof upgrade === 'string' ? upgrade.toLowerCase() : ''
  },
  mustMatchWhenDerived: false
}

function attachResolvers (schema: GraphQLSchema, resolvers: LiveOptions['resolvers']): void {
  const fields = schema.getSubscriptionType()?.getFields() ?? {}
  for (const [name, resolver] of Object.entries(resolvers) as Array<[string, Pick<GraphQLFieldConfig<unknown, unknown>, 'subscribe' | 'resolve'>]>) {
    const field = fields[name]
    if (!field) throw new Error(`the schema has no subscription field ${name}`)
    field.subscribe = resolver.subscribe
    field.resolve = resolver.resolve
  }
}

export function serveSubscriptions (app: FastifyInstance, options: LiveOptions): void {
  const { schema } = app.graphql
  attachResolvers(schema, options.resolvers)
  const formatterContext = { app: { log: app.log } }
  const count = (errors: Parameters<typeof countSubscription>[1]): void => { countSubscription(options.metrics, errors) }
  const groups = new Groups({ schema, stats: options.stats, format: result => formatErrors(result, formatterContext).response, count })
  const deps = {
    groups,
    operations: new Operations({ schema, privateFields: options.privateFields, soloFields: options.soloFields, limits: options.graphqlLimits }),
    access: options.access,
    limits: options.limits,
    stats: options.stats,
    format: (errors: Parameters<typeof formatErrors>[0]['errors']) => formatErrors({ errors }, formatterContext).response.errors,
    count
  }
  if (!app.hasConstraintStrategy(UPGRADE_STRATEGY.name)) app.addConstraintStrategy(UPGRADE_STRATEGY)
  app.get(options.path, { websocket: true, constraints: { upgrade: 'websocket' } }, (socket: WebSocket, _request: FastifyRequest) => {
    const dialect = dialectOf(socket.protocol)
    if (dialect === undefined) {
      socket.close(CLOSE.subprotocolNotAcceptable, 'Subprotocol not acceptable')
      return
    }
    new LiveConnection(socket, dialect, deps) // eslint-disable-line no-new
  })
}

// Everything refused before a GraphQL operation runs, so that nothing is
// spent on it: the size and cost limits (cost.ts), and what a mutation needs
// (POST with JSON, a token with `trade`). Limits answer GraphQL errors with
// the kinds below (HTTP 400); transport and scope refusals are REST-style
// problems (graphql-plugin.ts's error handler).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Kind, type DocumentNode, type GraphQLSchema } from 'graphql'
import { GatewayError, type ErrorKind } from '../errors.js'
import { mediaType } from '../http/content-type.js'
import type { GraphQLContext } from './context.js'
import { measureDocument, scanSource, type GraphqlLimits, type OperationCost } from './cost.js'
import { noteOperation } from './observe.js'

/** The refusals that stay GraphQL-shaped: the request was understood and is too big. */
export const LIMIT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['graphql-tokens-exceeded', 'graphql-aliases-exceeded', 'graphql-depth-exceeded', 'graphql-calls-exceeded', 'graphql-batch-exceeded'])

const over = (kind: ErrorKind, detail: string): GatewayError => new GatewayError(kind, { detail })

export function checkSource (source: string, limits: GraphqlLimits): void {
  const { tokens, aliases } = scanSource(source)
  if (aliases > limits.maxAliases) throw over('graphql-aliases-exceeded', `the document has ${aliases} aliases; the limit is ${limits.maxAliases} (KGW_GRAPHQL_MAX_ALIASES)`)
  if (tokens > limits.maxTokens) throw over('graphql-tokens-exceeded', `the document has about ${tokens} tokens; the limit is ${limits.maxTokens} (KGW_GRAPHQL_MAX_TOKENS)`)
}

/** The documents of one HTTP request (a batch holds several): over a limit, the whole request is refused, before graphql parses any. */
function checkRequestSources (payload: unknown, limits: GraphqlLimits): void {
  if (!Array.isArray(payload)) {
    checkOperationSource(payload, limits)
    return
  }
  if (payload.length > limits.maxBatch) throw over('graphql-batch-exceeded', `the batch has ${payload.length} operations; the limit is ${limits.maxBatch} (KGW_GRAPHQL_MAX_BATCH)`)
  for (const operation of payload) checkOperationSource(operation, limits)
}

/** Anything but `{ query: string }` is left to mercurius, which refuses it. */
function checkOperationSource (operation: unknown, limits: GraphqlLimits): void {
  const query = typeof operation === 'object' && operation !== null ? (operation as { query?: unknown }).query : undefined
  if (typeof query === 'string') checkSource(query, limits)
}

export function checkDocument (schema: GraphQLSchema, document: DocumentNode, limits: GraphqlLimits): OperationCost {
  const cost = measureDocument(schema, document)
  if (cost.aliases > limits.maxAliases) throw over('graphql-aliases-exceeded', `the operation has ${cost.aliases} aliased fields, fragments expanded; the limit is ${limits.maxAliases} (KGW_GRAPHQL_MAX_ALIASES)`)
  if (cost.depth > limits.maxDepth) throw over('graphql-depth-exceeded', `the operation is ${cost.depth} fields deep; the limit is ${limits.maxDepth} (KGW_GRAPHQL_MAX_DEPTH)`)
  if (cost.calls > limits.maxUpstreamCalls) throw over('graphql-calls-exceeded', `the operation could make ${cost.calls} KuCoin calls; the limit is ${limits.maxUpstreamCalls} per request (KGW_GRAPHQL_MAX_UPSTREAM_CALLS)`)
  return cost
}

const hasMutation = (document: DocumentNode): boolean => document.definitions.some(d => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation')

/** A mutation changes state: only over POST with a JSON body, and only for a token that may trade. */
function checkMutation (context: GraphQLContext): void {
  const request = context.reply?.request
  const type = mediaType(String(request?.headers['content-type'] ?? ''))
  if (request?.method !== 'POST' || type !== 'application/json') {
    throw new GatewayError('unsupported-media-type', { detail: `mutations need POST with Content-Type: application/json (got ${request?.method ?? '?'} ${type || 'without a type'})` })
  }
  const { caller } = context.access
  if (!caller.scopes.has('trade')) throw new GatewayError('scope-missing', { detail: `token "${caller.name}" lacks the trade scope mutations need` })
}

export function installOperationChecks (app: FastifyInstance, limits: GraphqlLimits): void {
  // Known documents (mercurius caches parsed ones, so this is keyed by the same object) and each request's spend.
  const costs = new WeakMap<DocumentNode, OperationCost>()
  const spent = new WeakMap<FastifyReply, number>()
  // A callback hook: it runs on every route (REST too), and an async hook costs a promise per request.
  // The source checks run here rather than in mercurius's preParsing hook, which would cost three more promises per operation.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.routeOptions.url !== '/graphql' || request.ws) { done(); return }
    try {
      // GET carries the document in its query string (HEAD has no route, graphql-plugin.ts).
      checkRequestSources(request.method === 'POST' ? request.body : request.query, limits)
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  })
  // Before graphql's own validation, whose cost grows with the document too.
  app.graphql.addHook('preValidation', async (schema, document) => { costs.set(document, checkDocument(schema, document, limits)) })
  app.graphql.addHook<GraphQLContext>('preExecution', async (schema, document, context) => {
    if (hasMutation(document)) checkMutation(context)
    const cost = costs.get(document) ?? checkDocument(schema, document, limits)
    const reply = context.reply
    if (reply !== undefined) {
      // The operations of one batch share the request's budget.
      const total = (spent.get(reply) ?? 0) + cost.calls
      spent.set(reply, total)
      if (total > limits.maxUpstreamCalls) throw over('graphql-calls-exceeded', `the batch could make ${total} KuCoin calls; the limit is ${limits.maxUpstreamCalls} per request (KGW_GRAPHQL_MAX_UPSTREAM_CALLS)`)
    }
    // Only now does the operation run: one refused above is counted by the error formatter instead (observe.ts).
    noteOperation(context, document)
  })
}

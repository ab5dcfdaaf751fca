// GraphQL operations and errors into the gateway's metrics: every executed
// operation by type and outcome (ok, partial, error), every error by the
// gateway kind it carries. Operations rejected before execution (syntax,
// validation) never reach mercurius' execution hooks, so the error formatter
// counts those; subscriptions (live/) count themselves through countSubscription.
import type { FastifyInstance } from 'fastify'
import type { DocumentNode, GraphQLError, GraphQLFormattedError } from 'graphql'
import { ERROR_KINDS, GatewayError } from '../errors.js'
import type { Metrics } from '../metrics.js'

const OPERATION = Symbol('kgw.graphql.operation')

type Stash = Record<symbol, string | undefined>

function operationType (document: DocumentNode): string {
  for (const d of document.definitions) if (d.kind === 'OperationDefinition') return d.operation
  return 'unknown'
}

/** Errors reach onResolution already formatted (extensions.kind set); the formatter sees raw ones. */
function kindOf (error: GraphQLError | GraphQLFormattedError): string {
  const kind = error.extensions?.kind
  if (typeof kind === 'string' && kind in ERROR_KINDS) return kind
  if ('originalError' in error && error.originalError instanceof GatewayError) return error.originalError.kind
  return error.path === undefined ? 'bad-request' : 'internal'
}

/**
 * Marks an operation as executing (for countRejected) and notes its type (for the count in onResolution).
 * Called by operation-checks.ts's preExecution hook: one async hook per operation instead of two.
 */
export function noteOperation (context: object, document: DocumentNode): void {
  (context as Stash)[OPERATION] = operationType(document)
}

export function observeGraphql (app: FastifyInstance, metrics: Metrics): void {
  app.graphql.addHook('onResolution', async (execution, context) => {
    const type = (context as unknown as Stash)[OPERATION] ?? 'unknown'
    const errors = execution.errors ?? []
    const outcome = errors.length === 0 ? 'ok' : execution.data ? 'partial' : 'error'
    metrics.graphqlOperation(type, outcome)
    for (const error of errors) metrics.graphqlErrors.inc({ kind: kindOf(error) })
  })
}

/** A subscription started (no errors) or was refused; subscriptions run outside mercurius (live/). */
export function countSubscription (metrics: Metrics, errors: readonly GraphQLFormattedError[] | undefined): void {
  metrics.graphqlOperation('subscription', errors === undefined ? 'ok' : 'error')
  for (const error of errors ?? []) metrics.graphqlErrors.inc({ kind: kindOf(error) })
}

/** For the error formatter: counts a request that failed before execution began. */
export function countRejected (metrics: Metrics, context: unknown, errors: readonly GraphQLError[]): void {
  if (typeof context === 'object' && context !== null && (context as Stash)[OPERATION] !== undefined) return
  metrics.graphqlOperation('unknown', 'error')
  for (const error of errors) metrics.graphqlErrors.inc({ kind: kindOf(error) })
}

// GraphQL errors in the gateway's terms. Every entry of `errors` gets
// `extensions` shaped like the REST problem+json (type, kind, status, code,
// msg, market, requestId), so a client switches on `extensions.type` the same
// way over REST and GraphQL. Only the failing field is null; the rest of the
// answer stands.
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql'
import { ERROR_KINDS, GatewayError, PROBLEM_TYPE_PREFIX, type ErrorKind } from '../errors.js'
import { topicRefusalKind } from '../kucoin/errors.js'

export interface ErrorExtensions extends Record<string, unknown> {
  /** `urn:kgw:<kind>`, as the REST problem `type`. */
  type: string
  kind: string
  title: string
  /** The HTTP status the REST proxy would have answered. */
  status: number
  /** KuCoin's code when KuCoin answered, else the gateway's `KGW_<KIND>`. */
  code: string
  /** KuCoin's msg when KuCoin answered, else the gateway's. */
  msg: string
  market?: string
  retryAfterMs?: number
  requestId?: string
  /** An order placement's outcome (src/orders/): `rejected` or `not-placed` on errors. */
  outcome?: string
}

export function gatewayExtensions (error: GatewayError, requestId?: string): ErrorExtensions {
  const extensions: ErrorExtensions = {
    type: PROBLEM_TYPE_PREFIX + error.kind,
    kind: error.kind,
    title: ERROR_KINDS[error.kind].title,
    status: error.status,
    code: error.code,
    msg: error.msg
  }
  if (error.market) extensions.market = error.market
  if (error.retryAfterMs !== undefined) extensions.retryAfterMs = error.retryAfterMs
  if (requestId !== undefined) extensions.requestId = requestId
  const outcome = error.headers['kgw-order-outcome']
  if (outcome !== undefined) extensions.outcome = outcome
  return extensions
}

/**
 * An error that already carries its extensions: for subscription starts,
 * which mercurius sends without the formatter, and for the slow-consumer end.
 */
export class ExtendedError extends Error {
  constructor (message: string, readonly extensions: Record<string, unknown>) {
    super(message)
    this.name = 'ExtendedError'
  }
}

export function withExtensions (error: unknown): unknown {
  return error instanceof GatewayError ? new ExtendedError(error.detail, { ...gatewayExtensions(error) }) : error
}

/** Ends a subscription whose subscriber fell behind on an event stream (the WebSocket fan-out's close 4008). */
export function slowConsumerError (): ExtendedError {
  return new ExtendedError('the subscriber fell too far behind on an event stream; resubscribe and resync', {
    type: `${PROBLEM_TYPE_PREFIX}slow-consumer`,
    kind: 'slow-consumer',
    closeCode: 4008
  })
}

/** Ends a subscription whose topic KuCoin (or the upstream budget) refused: never silence. */
export function topicRefusedError (market: string, topic: string, code: number, message: string): ExtendedError {
  const kind = topicRefusalKind(code)
  return new ExtendedError(`KuCoin refused ${topic}: ${message}`, {
    type: PROBLEM_TYPE_PREFIX + kind,
    kind,
    title: ERROR_KINDS[kind].title,
    status: ERROR_KINDS[kind].status,
    code: String(code),
    msg: message,
    market,
    topic
  })
}

function gatewayKind (kind: ErrorKind, detail: string, requestId: string | undefined): { message: string, extensions: ErrorExtensions } {
  return { message: detail, extensions: gatewayExtensions(new GatewayError(kind, { detail }), requestId) }
}

interface Log { warn: (obj: object, msg: string) => void }

function formatOne (error: GraphQLError, requestId: string | undefined, log: Log): GraphQLFormattedError {
  const original = error.originalError
  const where = { ...(error.locations && { locations: error.locations }), ...(error.path && { path: error.path }) }
  if (original instanceof GatewayError) return { message: original.detail, ...where, extensions: { ...gatewayExtensions(original, requestId) } }
  if (original instanceof ExtendedError) return { message: original.message, ...where, extensions: original.extensions }
  // No original error and no path: GraphQL's own parse, validation or variable errors.
  if ((original === undefined || original instanceof GraphQLError) && error.path === undefined) {
    return { message: error.message, ...where, extensions: { ...gatewayKind('bad-request', error.message, requestId).extensions } }
  }
  log.warn({ err: original ?? error }, 'GraphQL resolver failed')
  return { ...gatewayKind('internal', ERROR_KINDS.internal.title, requestId), ...where }
}

/** The errors an execution failed with; mercurius wraps validation errors in one error with an `errors` list. */
function flatten (errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.flatMap(error => {
    const inner = (error.originalError as { errors?: unknown } | undefined)?.errors
    return Array.isArray(inner) ? inner.map(e => e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message), { originalError: e as Error })) : [error]
  })
}

interface FormatterContext { reply?: { request: { id: string }, log: Log }, app: { log: Log, scrub?: (text: string) => string } }

/**
 * mercurius' errorFormatter. The HTTP status stays 200 whenever there is data
 * (GraphQL over HTTP); only a request that could not run at all (a syntax or
 * validation error, a limit) takes the status mercurius or the kind gave it.
 */
export function formatErrors (execution: ExecutionResult & { errors: readonly GraphQLError[] }, context: FormatterContext): { statusCode: number, response: { data: unknown, errors: GraphQLFormattedError[] } } {
  const requestId = context.reply?.request.id
  const log = context.reply?.log ?? context.app.log
  const scrub = context.app.scrub ?? ((text: string) => text)
  const errors = flatten(execution.errors).map(error => {
    const formatted = formatOne(error, requestId === undefined ? undefined : String(requestId), log)
    // KuCoin's msg travels in the message and extensions: scrubbed as REST problems are.
    const msg = formatted.extensions?.msg
    return { ...formatted, message: scrub(formatted.message), ...(typeof msg === 'string' && { extensions: { ...formatted.extensions, msg: scrub(msg) } }) }
  })
  const only = execution.errors.length === 1 ? execution.errors[0]!.originalError as { statusCode?: unknown } | undefined : undefined
  // A request refused before it ran (a limit) answers with its kind's status, as a validation error does.
  const refusal = only instanceof GatewayError ? only.status : typeof only?.statusCode === 'number' ? only.statusCode : 200
  const statusCode = execution.data ? 200 : refusal
  return { statusCode, response: { data: execution.data ?? null, errors } }
}

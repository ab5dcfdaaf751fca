// Turns every failure into the gateway's one error shape: problem+json with
// KuCoin-style code and msg (src/errors.ts), scrubbed of secrets. Gateway-made
// 5xx are logged with their cause; the client sees a type, never a stack or an
// internal message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError, toProblem, type ErrorKind } from './errors.js'

export function sendProblem (reply: FastifyReply, error: GatewayError): FastifyReply {
  const problem = toProblem(error, String(reply.request.id))
  // KuCoin's msg lands in detail and msg: an upstream that echoes request headers must not hand out our credentials.
  const { scrub } = reply.server
  problem.detail = scrub(problem.detail)
  problem.msg = scrub(problem.msg)
  reply.code(error.status).headers(error.headers).type('application/problem+json')
  if (error.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))))
  return reply.send(JSON.stringify(problem))
}

interface FrameworkError extends Error { code?: string, statusCode?: number, errors?: unknown[] }

const CLIENT_KINDS: Partial<Record<number, ErrorKind>> = { 405: 'method-not-allowed', 413: 'payload-too-large', 415: 'unsupported-media-type' }

/**
 * A request fastify or mercurius refused before any gateway code ran (a body
 * that is not JSON, too large, of the wrong type, no query, a mutation over
 * GET) as the gateway kind it is: never `internal`. Undefined for anything
 * else, including GraphQL's own validation errors, which stay GraphQL-shaped.
 */
export function requestRefusal (error: FrameworkError): GatewayError | undefined {
  const status = error.statusCode ?? 500
  if (status < 400 || status >= 500 || typeof error.code !== 'string') return undefined
  if (error.code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(error.errors)) {
    // mercurius puts fastify's body-schema failures here; GraphQL's own validation errors are GraphQLErrors.
    const [first] = error.errors as FrameworkError[]
    if (first === undefined || first.name === 'GraphQLError') return undefined
    return new GatewayError('bad-request', { detail: `the GraphQL request body is not {"query": ..., "variables": ...}: ${first.message}` })
  }
  if (error.code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND') {
    return new GatewayError('bad-request', { detail: 'no GraphQL query: POST {"query": "..."} as application/json, or GET ?query=...' })
  }
  if (!error.code.startsWith('FST_') && !error.code.startsWith('MER_')) return undefined
  return new GatewayError(CLIENT_KINDS[status] ?? 'bad-request', { detail: error.message })
}

/** Fastify's own errors (body limit, bad content type, ...) as gateway kinds. */
function fromFastify (error: FastifyError): GatewayError {
  return requestRefusal(error) ?? new GatewayError('internal', { cause: error })
}

export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | GatewayError, request: FastifyRequest, reply: FastifyReply) => {
    const gatewayError = error instanceof GatewayError ? error : fromFastify(error)
    if (gatewayError.status >= 500) request.log.warn({ err: error, kind: gatewayError.kind }, gatewayError.detail)
    return sendProblem(reply, gatewayError)
  })
  app.setNotFoundHandler((request, reply) => {
    sendProblem(reply, new GatewayError('route-not-found', {
      detail: `no route ${request.method} ${request.url.split('?')[0]}; KuCoin paths go under /spot/api/... or /futures/api/...`
    }))
  })
}

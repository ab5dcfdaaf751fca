// Turns every failure into the gateway's one error shape: problem+json with
// KuCoin-style code and msg (src/errors.ts), scrubbed of secrets. Gateway-made
// 5xx are logged with their cause; the client sees a type, never a stack or an
// internal message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError, toProblem } from './errors.js'

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

/** Fastify's own errors (body limit, bad content type, ...) as gateway kinds. */
function fromFastify (error: FastifyError): GatewayError {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError('payload-too-large', { detail: error.message })
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return new GatewayError('bad-request', { detail: error.message })
  return new GatewayError('internal', { cause: error })
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

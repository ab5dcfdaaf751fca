// What the KuCoin client needs to know about the HTTP caller behind a call:
// its fair-share key and a signal that aborts when it goes away before its
// answer was written (so an abandoned call stops holding KuCoin's budget and
// an upstream connection).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Caller } from '../access.js'
import { LightAbort, type CallSignal } from '../light-abort.js'

/** Who a KuCoin call is made for; the client takes both as they are (KucoinRequest's `caller` and `signal`). */
export interface CallContext {
  /** Fair-share key: `token:<name>`, or `ip:<address>` when no tokens are configured. */
  readonly caller: string
  /** Aborts when the request's client goes away. */
  readonly signal?: CallSignal
}

/** `token:<name>` when tokens identify callers, else the remote address (behind trusted proxies, X-Forwarded-For's). */
export function fairShareKey (request: FastifyRequest, caller: Caller | undefined, tokensEnabled: boolean): string {
  return tokensEnabled && caller !== undefined ? `token:${caller.name}` : `ip:${request.ip}`
}

/**
 * Aborts when the response's connection closes before the response finished.
 * Made after the client already left (while the body was read, or hooks ran),
 * it is aborted from the start: the 'close' it would wait for has been.
 */
export function abortOnClose (reply: FastifyReply): CallSignal {
  const controller = new LightAbort()
  const res = reply.raw
  if (res.destroyed) {
    if (!res.writableFinished) controller.abort()
    return controller.signal
  }
  res.once('close', () => { if (!res.writableFinished) controller.abort() })
  return controller.signal
}

/**
 * The call context of one HTTP request, made where the request is known (a
 * route handler, GraphQL's context function) and passed along explicitly.
 * The signal is made when first asked for: an operation that never calls
 * KuCoin never listens for its connection's close.
 */
export class RequestCall implements CallContext {
  private made: CallSignal | undefined

  constructor (readonly caller: string, private readonly reply: FastifyReply) {}

  get signal (): CallSignal {
    this.made ??= abortOnClose(this.reply)
    return this.made
  }
}

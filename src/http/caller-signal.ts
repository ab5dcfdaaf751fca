// What the KuCoin client needs to know about the HTTP caller behind a call:
// its fair-share key and a signal that aborts when it goes away before its
// answer was written (so an abandoned call stops holding KuCoin's budget and
// an upstream connection).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Caller } from '../access.js'
import { LightAbort, type CallSignal } from '../light-abort.js'

/** `token:<name>` when tokens identify callers, else the remote address (behind trusted proxies, X-Forwarded-For's). */
export function fairShareKey (request: FastifyRequest, caller: Caller | undefined, tokensEnabled: boolean): string {
  return tokensEnabled && caller !== undefined ? `token:${caller.name}` : `ip:${request.ip}`
}

/** Aborts when the response's connection closes before the response finished. */
export function abortOnClose (reply: FastifyReply): CallSignal {
  const controller = new LightAbort()
  const res = reply.raw
  res.once('close', () => { if (!res.writableFinished) controller.abort() })
  return controller.signal
}

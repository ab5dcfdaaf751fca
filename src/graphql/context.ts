// What a GraphQL operation may do. The caller is authenticated once per HTTP
// request (the /graphql hook in graphql-plugin.ts, with the same bearer
// tokens as REST, whatever the request's headers) and once per subscription
// connection (connectionInit's payload, see acceptConnection). Fields are
// checked in one place, guard.ts; resolvers never look at headers.
import type { FastifyReply } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { Access as TokenAccess, Caller } from '../access.js'
import { GatewayError } from '../errors.js'
import type { CallContext } from '../http/caller-signal.js'
import type { Market } from '../kucoin/catalog.js'

export interface Access {
  caller: Caller
  /** `http` for queries and mutations; `ws` for subscriptions (private ones need private-stream). */
  channel: 'http' | 'ws'
  hasCredentials: boolean
  tradingEnabled: boolean
}

export interface AccessOptions {
  tokens: TokenAccess
  hasCredentials: boolean
  tradingEnabled: boolean
}

export interface GraphQLContext {
  access: Access
  /**
   * Who the operation's KuCoin calls are made for (fair share) and their abort signal (the client went away):
   * made per HTTP request by the plugin's context function, passed by every resolver to upstream.ts.
   * Subscriptions (graphql-ws) have none: they read the hub and make no KuCoin calls.
   */
  call?: CallContext
  /** Present on HTTP operations (mercurius sets it); loaders need it. */
  reply?: FastifyReply
}

/** A request the /graphql hook did not authenticate may do nothing. */
export const NOBODY: Caller = { name: 'unauthenticated', scopes: new Set() }

/** The rights of one HTTP request, whose caller the /graphql hook has already authenticated. */
export function accessFor (caller: Caller, options: AccessOptions): Access {
  return { caller, channel: 'http', hasCredentials: options.hasCredentials, tradingEnabled: options.tradingEnabled }
}

/** graphql-ws clients send `{ authorization: "Bearer …" }` (or `{ headers: { authorization } }`) in connectionInit. */
function payloadHeaders (payload: unknown): IncomingHttpHeaders {
  if (typeof payload !== 'object' || payload === null) return {}
  const p = payload as Record<string, unknown>
  const source = typeof p.headers === 'object' && p.headers !== null ? p.headers as Record<string, unknown> : p
  const headers: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(source)) if (typeof value === 'string') headers[name.toLowerCase()] = value
  return headers
}

/**
 * A graphql-ws connection proceeds when its caller is known and may read;
 * the returned object becomes the connection's context (mercurius merges it).
 */
export function acceptConnection (payload: unknown, options: AccessOptions): false | { access: Access } {
  try {
    const caller = options.tokens.require(payloadHeaders(payload), 'read')
    return { access: { caller, channel: 'ws', hasCredentials: options.hasCredentials, tradingEnabled: options.tradingEnabled } }
  } catch {
    return false
  }
}

/** Every query field: the caller may read (HTTP and graphql-ws alike need `read`). */
export function requireRead (context: GraphQLContext): void {
  const { caller } = context.access
  if (!caller.scopes.has('read')) throw new GatewayError('scope-missing', { detail: `token "${caller.name}" lacks the read scope` })
}

export function requirePrivate (context: GraphQLContext, market: Market): void {
  const { access } = context
  if (!access.hasCredentials) {
    throw new GatewayError('credentials-missing', { market, detail: 'private data needs KuCoin credentials configured on the gateway' })
  }
  const scope = access.channel === 'ws' ? 'private-stream' : 'read'
  if (!access.caller.scopes.has(scope)) throw new GatewayError('scope-missing', { market, detail: `token "${access.caller.name}" lacks the ${scope} scope` })
}

export function requireTrading (context: GraphQLContext, market: Market): void {
  requirePrivate(context, market)
  const { access } = context
  if (!access.caller.scopes.has('trade')) throw new GatewayError('scope-missing', { market, detail: `token "${access.caller.name}" lacks the trade scope` })
  if (!access.tradingEnabled) {
    throw new GatewayError('endpoint-denied', { market, detail: 'trading is disabled on this gateway; set KGW_TRADING_ENABLED=true to allow it' })
  }
}

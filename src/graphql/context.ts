// What a GraphQL operation may do. Decided once per HTTP request and once
// per subscription connection, in accessFor: the single place where a later
// authentication (bearer-token scopes) plugs in. Resolvers only ask the
// Access; they never look at headers.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'

export interface Access {
  /** Private data (account reads, private subscriptions): the gateway holds KuCoin credentials. */
  private: boolean
  /** Placing and cancelling orders: KGW_TRADING_ENABLED=true (and credentials). */
  trading: boolean
}

export interface AccessOptions {
  hasCredentials: boolean
  tradingEnabled: boolean
}

export interface GraphQLContext {
  access: Access
  /** Present on HTTP operations (mercurius sets it); loaders need it. */
  reply?: FastifyReply
}

/** The rights of one request or subscription connection. */
export function accessFor (_request: FastifyRequest, options: AccessOptions): Access {
  return { private: options.hasCredentials, trading: options.tradingEnabled && options.hasCredentials }
}

/**
 * Whether a graphql-ws connection may proceed (its `connection_init` payload).
 * Every connection may today; per-connection rights come from accessFor.
 */
export function acceptConnection (_payload: unknown): boolean {
  return true
}

export function requirePrivate (context: GraphQLContext, market: Market): void {
  if (!context.access.private) {
    throw new GatewayError('credentials-missing', { market, detail: 'private data needs KuCoin credentials configured on the gateway' })
  }
}

export function requireTrading (context: GraphQLContext, market: Market): void {
  requirePrivate(context, market)
  if (!context.access.trading) {
    throw new GatewayError('endpoint-denied', { market, detail: 'trading is disabled on this gateway; set KGW_TRADING_ENABLED=true to allow it' })
  }
}

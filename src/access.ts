// Who may call the gateway: optional static bearer tokens (KGW_TOKENS), each
// with scopes. With no tokens configured every caller is trusted (the
// gateway then listens on loopback only, see config.ts). The same check runs
// on REST, on the bullet calls that open WebSockets, and on GraphQL.
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { GatewayError } from './errors.js'
import type { Market } from './kucoin/catalog.js'

export const SCOPES = ['read', 'trade', 'private-stream'] as const
export type Scope = typeof SCOPES[number]

export interface AccessToken {
  name: string
  token: string
  scopes: readonly Scope[]
}

export interface Caller {
  /** The token's name, safe to log; `anonymous` when no tokens are configured. */
  name: string
  scopes: ReadonlySet<Scope>
}

const ANONYMOUS: Caller = { name: 'anonymous', scopes: new Set(SCOPES) }

/** Tokens are looked up by hash, so comparing never leaks a token's prefix through timing. */
function digest (token: string): string {
  return createHash('sha256').update(token).digest('base64')
}

/**
 * The presented token: `Authorization: Bearer <token>`, or `KC-API-KEY: <token>`
 * so an unchanged KuCoin SDK configured with the token as its API key works.
 */
function presented (headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return match?.[1]
  }
  const key = headers['kc-api-key']
  return typeof key === 'string' && key !== '' ? key : undefined
}

export class Access {
  private readonly byDigest = new Map<string, Caller>()

  constructor (tokens: readonly AccessToken[]) {
    for (const t of tokens) this.byDigest.set(digest(t.token), { name: t.name, scopes: new Set(t.scopes) })
  }

  get enabled (): boolean {
    return this.byDigest.size > 0
  }

  /** The caller behind these headers, or a 401 problem. */
  authenticate (headers: IncomingHttpHeaders, market?: Market): Caller {
    if (!this.enabled) return ANONYMOUS
    const token = presented(headers)
    const caller = token === undefined ? undefined : this.byDigest.get(digest(token))
    if (!caller) {
      throw new GatewayError('unauthenticated', {
        market,
        detail: token === undefined ? 'send Authorization: Bearer <token>' : 'the token is not one of KGW_TOKENS',
        headers: { 'www-authenticate': 'Bearer realm="kucoin-gateway"' }
      })
    }
    return caller
  }

  /** authenticate, then a 403 problem unless the caller has the scope. */
  require (headers: IncomingHttpHeaders, scope: Scope, market?: Market): Caller {
    const caller = this.authenticate(headers, market)
    if (!caller.scopes.has(scope)) {
      throw new GatewayError('scope-missing', { market, detail: `token "${caller.name}" lacks the ${scope} scope` })
    }
    return caller
  }
}

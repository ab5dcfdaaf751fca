// Every error the gateway can answer with, and the one shape it has on the
// wire: application/problem+json (RFC 9457) plus KuCoin-style `code` and `msg`.
// No other file defines error types; kucoin/errors.ts only maps KuCoin's
// codes and transport failures onto these.
import type { Market } from './kucoin/catalog.js'

/** Stable machine-readable kinds. The problem `type` is `urn:kgw:<kind>`. */
export const ERROR_KINDS = {
  // The request itself, checked by the gateway before anything goes upstream.
  'bad-request': { status: 400, title: 'Bad request' },
  'route-not-found': { status: 404, title: 'No such route' },
  'method-not-allowed': { status: 405, title: 'This route does not take this method' },
  'payload-too-large': { status: 413, title: 'Request body too large' },
  // The trust boundary (src/http/): who may reach the gateway at all, and how.
  'host-not-allowed': { status: 421, title: 'The gateway does not serve this Host' },
  'cross-site-refused': { status: 403, title: 'Cross-site browser request refused' },
  'request-timeout': { status: 408, title: 'The request headers did not arrive in time' },
  'too-many-connections': { status: 429, title: 'Too many connections from this client' },
  'connections-exhausted': { status: 503, title: 'The gateway is at its connection limit' },
  // GraphQL operations refused before they run (src/graphql/cost.ts).
  'graphql-tokens-exceeded': { status: 400, title: 'The GraphQL document is longer than allowed' },
  'graphql-aliases-exceeded': { status: 400, title: 'The GraphQL operation has more aliases than allowed' },
  'graphql-depth-exceeded': { status: 400, title: 'The GraphQL operation is nested deeper than allowed' },
  'graphql-calls-exceeded': { status: 400, title: 'The GraphQL request could cause more KuCoin calls than allowed' },
  'graphql-batch-exceeded': { status: 400, title: 'The GraphQL batch has more operations than allowed' },
  'credentials-missing': { status: 401, title: 'Private endpoint, but the gateway has no KuCoin credentials' },
  'endpoint-denied': { status: 403, title: 'Endpoint denied by the gateway policy' },
  // The caller's gateway token (KGW_TOKENS), not KuCoin's keys.
  unauthenticated: { status: 401, title: 'A gateway bearer token is required' },
  'scope-missing': { status: 403, title: 'The gateway token lacks the scope this call needs' },
  // KuCoin rejected the gateway's authentication.
  'auth-headers-missing': { status: 401, title: 'KuCoin saw no authentication headers' },
  'timestamp-rejected': { status: 502, title: 'KuCoin rejected the request timestamp' },
  'api-key-invalid': { status: 401, title: 'KuCoin does not know the API key' },
  'passphrase-invalid': { status: 401, title: 'KuCoin rejected the API passphrase' },
  'signature-invalid': { status: 401, title: 'KuCoin rejected the request signature' },
  'key-version-invalid': { status: 401, title: 'KuCoin rejected the API key version' },
  'ip-not-allowed': { status: 403, title: 'The gateway\'s IP is not in the key\'s whitelist' },
  'permission-denied': { status: 403, title: 'The API key lacks the permission this endpoint needs' },
  'account-restricted': { status: 403, title: 'Account, region or KYC restriction' },
  // KuCoin business errors (KuCoin answers these with HTTP 200).
  'invalid-parameter': { status: 400, title: 'KuCoin rejected a parameter' },
  'unknown-symbol': { status: 400, title: 'Unknown or unavailable symbol' },
  'insufficient-funds': { status: 422, title: 'Insufficient balance' },
  'order-rejected': { status: 422, title: 'KuCoin rejected the order' },
  'order-limit-exceeded': { status: 422, title: 'Too many open orders' },
  'order-not-found': { status: 404, title: 'Order not found' },
  'order-state-conflict': { status: 409, title: 'The order is not in a state that allows this' },
  'duplicate-client-oid': { status: 409, title: 'clientOid already used by an active order' },
  'trading-suspended': { status: 409, title: 'Trading is suspended for this symbol' },
  'endpoint-not-found': { status: 404, title: 'KuCoin has no such endpoint' },
  'endpoint-deprecated': { status: 410, title: 'KuCoin has retired this endpoint' },
  'unsupported-media-type': { status: 415, title: 'Content-Type must be application/json' },
  'rate-limited': { status: 429, title: 'Rate limit exhausted' },
  // Nobody reads it: the caller closed its connection while its call waited or ran.
  'client-closed-request': { status: 499, title: 'The client went away before the answer' },
  'kucoin-error': { status: 502, title: 'KuCoin answered with an unrecognised error' },
  // KuCoin or the network failed.
  'upstream-error': { status: 502, title: 'KuCoin reported an internal error' },
  'upstream-unavailable': { status: 503, title: 'KuCoin is unavailable' },
  'upstream-timeout': { status: 504, title: 'KuCoin did not answer in time' },
  'upstream-unreachable': { status: 502, title: 'Could not connect to KuCoin' },
  'upstream-reset': { status: 502, title: 'KuCoin closed the connection' },
  'upstream-tls': { status: 502, title: 'TLS handshake with KuCoin failed' },
  'upstream-bad-response': { status: 502, title: 'KuCoin sent a response that is not a KuCoin envelope' },
  // Safe placement (src/orders/): idempotency keys and settled outcomes.
  'idempotency-key-required': { status: 428, title: 'An order placement needs an Idempotency-Key header or a clientOid' },
  'idempotency-key-reused': { status: 422, title: 'This Idempotency-Key was used with a different request' },
  'idempotency-key-in-flight': { status: 409, title: 'A placement with this Idempotency-Key is still running' },
  'order-outcome-unknown': { status: 202, title: 'The order\'s outcome is not known yet' },
  'placement-not-found': { status: 404, title: 'No placement with this Idempotency-Key' },
  'idempotency-store-unavailable': { status: 503, title: 'The shared idempotency store (Redis) is unavailable' },
  // Verified order books (src/books/).
  'book-limit-reached': { status: 503, title: 'The gateway holds as many order books as it may' },
  'book-not-ready': { status: 504, title: 'The order book was not verified in time' },
  internal: { status: 500, title: 'Internal gateway error' }
} as const satisfies Record<string, { status: number, title: string }>

export type ErrorKind = keyof typeof ERROR_KINDS

export const PROBLEM_TYPE_PREFIX = 'urn:kgw:'

export interface GatewayErrorInit {
  /** KuCoin's code, or the gateway's own (`KGW_...`) when KuCoin said nothing. */
  code?: string
  /** KuCoin's msg, or the gateway's. */
  msg?: string
  detail?: string
  market?: Market
  /** For 429: how long the client should wait. */
  retryAfterMs?: number
  /** Upstream response headers worth passing on (gw-ratelimit-*). */
  headers?: Record<string, string>
  cause?: unknown
}

export class GatewayError extends Error {
  readonly kind: ErrorKind
  readonly status: number
  readonly code: string
  readonly msg: string
  readonly detail: string
  readonly market: Market | undefined
  readonly retryAfterMs: number | undefined
  readonly headers: Record<string, string>

  constructor (kind: ErrorKind, init: GatewayErrorInit = {}) {
    const { status, title } = ERROR_KINDS[kind]
    super(init.detail ?? title, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'GatewayError'
    this.kind = kind
    this.status = status
    this.code = init.code ?? `KGW_${kind.toUpperCase().replaceAll('-', '_')}`
    this.msg = init.msg ?? title
    this.detail = init.detail ?? title
    this.market = init.market
    this.retryAfterMs = init.retryAfterMs
    this.headers = init.headers ?? {}
  }
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  msg: string
  market?: Market
  requestId: string
  retryAfterMs?: number
}

export function toProblem (error: GatewayError, requestId: string): Problem {
  const problem: Problem = {
    type: PROBLEM_TYPE_PREFIX + error.kind,
    title: ERROR_KINDS[error.kind].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    msg: error.msg,
    requestId
  }
  if (error.market) problem.market = error.market
  if (error.retryAfterMs !== undefined) problem.retryAfterMs = error.retryAfterMs
  return problem
}

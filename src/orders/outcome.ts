// What a failed placement call means for the order: the one table that
// decides whether a retry is safe. Pure; unit-tested in test/orders/outcome.test.ts.
//   not-placed  KuCoin refused before running it (auth, rate limit, media
//               type), or nothing left the gateway (connect refused or timed
//               out, TLS, the governor's queue). A retry is safe.
//   rejected    KuCoin ran it and said no (a business code). Final.
//   duplicate   KuCoin says an ACTIVE order has this clientOid: the first
//               request is live; the gateway looks it up and answers with it.
//   unknown     anything after the bytes left without a definite answer
//               (reset, timeout, 5xx, a CDN page, a truncated body).
import type { ErrorKind, GatewayError } from '../errors.js'

export type Outcome = 'placed' | 'rejected' | 'unknown' | 'not-placed'
export type FailureClass = 'not-placed' | 'rejected' | 'duplicate' | 'unknown'

const BY_KIND: Partial<Record<ErrorKind, FailureClass>> = {
  // Refused by KuCoin's API gateway layer before the order reached matching.
  'auth-headers-missing': 'not-placed',
  'timestamp-rejected': 'not-placed',
  'api-key-invalid': 'not-placed',
  'passphrase-invalid': 'not-placed',
  'signature-invalid': 'not-placed',
  'key-version-invalid': 'not-placed',
  'ip-not-allowed': 'not-placed',
  'permission-denied': 'not-placed',
  'unsupported-media-type': 'not-placed',
  'endpoint-not-found': 'not-placed',
  'rate-limited': 'not-placed',
  // The gateway's own refusals: nothing was sent.
  'credentials-missing': 'not-placed',
  'endpoint-denied': 'not-placed',
  'client-closed-request': 'not-placed',
  'upstream-unreachable': 'not-placed',
  'upstream-tls': 'not-placed',
  // KuCoin ran the order and refused it.
  'invalid-parameter': 'rejected',
  'unknown-symbol': 'rejected',
  'insufficient-funds': 'rejected',
  'order-rejected': 'rejected',
  'order-limit-exceeded': 'rejected',
  'order-state-conflict': 'rejected',
  'trading-suspended': 'rejected',
  'account-restricted': 'rejected',
  'endpoint-deprecated': 'rejected',
  'order-not-found': 'rejected',
  'kucoin-error': 'rejected',
  'duplicate-client-oid': 'duplicate',
  // The answer was lost or says nothing definite.
  'upstream-error': 'unknown',
  'upstream-unavailable': 'unknown',
  'upstream-timeout': 'unknown',
  'upstream-reset': 'unknown',
  'upstream-bad-response': 'unknown',
  internal: 'unknown'
}

/** Codes whose kind alone would mislead: Cloudflare could not reach KuCoin's origin at all. */
const BY_CODE: Record<string, FailureClass> = {
  521: 'not-placed',
  523: 'not-placed'
}

/** Transport codes that mean the request never left: connecting failed. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

function causeCodes (error: unknown): string[] {
  const codes: string[] = []
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

/** Classic spot answers a duplicate as 400100 `validation.createOrder.clientOidDuplicated`. */
export function isDuplicateMessage (msg: string): boolean {
  return /clientOid\s*(is\s*)?duplicat|clientOidDuplicated|clientOid\s*(parameter\s*)?repeated/i.test(msg)
}

/**
 * An HF order refused for arriving after `clientTimestamp + allowMaxTimeWindow`: KuCoin did not
 * place it. Neither PROTOCOL nor the spec names its code, so it is known by its words.
 */
export function isLateArrival (msg: string): boolean {
  return /allowMaxTimeWindow|clientTimestamp|time\s*window/i.test(msg)
}

export function classifyFailure (error: GatewayError): FailureClass {
  if (isDuplicateMessage(error.msg)) return 'duplicate'
  if (error.kind === 'invalid-parameter' && isLateArrival(error.msg) && /later|expired|timeout|exceed/i.test(error.msg)) return 'not-placed'
  const byCode = BY_CODE[error.code]
  if (byCode !== undefined) return byCode
  if (causeCodes(error).some(code => NEVER_SENT.has(code))) return 'not-placed'
  // A connect timeout is reported as upstream-timeout; it was caught above. Any other timeout may have run.
  return BY_KIND[error.kind] ?? 'unknown'
}

/** Every kind's class, for the docs table. */
export function failureTable (): Array<{ kind: string, outcome: FailureClass }> {
  return Object.entries(BY_KIND).map(([kind, outcome]) => ({ kind, outcome: outcome! }))
}

/** A lookup's "does not exist" answer (HF 102436, margin 126043, futures' 100001 with that text). */
export function isNotFound (error: GatewayError): boolean {
  return error.kind === 'order-not-found' || /order\s*(does\s*)?not\s*exist|order_not_exist/i.test(error.msg)
}

// The simulator's own reading of KuCoin request signing (PROTOCOL §1.2–1.5),
// written from the protocol text and checked against the shared vectors
// (test/simulator/signature.test.ts). It deliberately shares no code with the
// gateway's signer: a mistake there must show up here as 400004/400005.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** base64(HMAC-SHA256(secret, text)), the one primitive KuCoin signs with. */
function mac (secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64')
}

/** Constant-time comparison of two base64 strings. */
function same (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** What a key of `version` puts in KC-API-PASSPHRASE: v1 the passphrase itself, v2/v3 its HMAC (§1.5). */
export function expectedPassphrase (version: number, secret: string, passphrase: string): string {
  return version === 1 ? passphrase : mac(secret, passphrase)
}

/** The query with its percent-escapes undone; a malformed escape leaves it as received. */
function unescaped (rawQuery: string): string {
  try {
    return decodeURIComponent(rawQuery)
  } catch {
    return rawQuery
  }
}

export interface Signed {
  method: string
  path: string
  /** The query exactly as received, without `?`; `''` when none. */
  rawQuery: string
  body: string
  timestamp: string
  sign: string
}

/**
 * Whether `sign` is KuCoin's signature of the request: timestamp + METHOD +
 * path[?query] + body (§1.2), the query un-URL-encoded as the docs require
 * (§1.3). `alsoRaw` also accepts a signature over the query as received, for
 * clients that sign the encoded form they send.
 */
export function signatureValid (request: Signed, secret: string, alsoRaw: boolean): boolean {
  const head = request.timestamp + request.method.toUpperCase() + request.path
  const forms = request.rawQuery === '' ? [''] : [`?${unescaped(request.rawQuery)}`]
  if (alsoRaw && request.rawQuery !== '' && forms[0] !== `?${request.rawQuery}`) forms.push(`?${request.rawQuery}`)
  return forms.some(query => same(mac(secret, head + query + request.body), request.sign))
}

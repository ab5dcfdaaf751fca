// KuCoin request signing, pure: no clock, no I/O. The caller supplies the
// timestamp and the exact path, query and body bytes it will send.
// See ../shared/kucoin/PROTOCOL.md §1 (prehash, passphrase, key versions).
import { createHmac } from 'node:crypto'

export type KeyVersion = 1 | 2 | 3

export interface Credentials {
  key: string
  secret: string
  passphrase: string
  version: KeyVersion
}

/**
 * How the query string enters the prehash. KuCoin's current docs say the
 * un-URL-encoded form; some SDKs sign the encoded form they send. Which one a
 * live server accepts is not certain (PROTOCOL §1.3, §11.1), so it is a setting.
 */
export type QuerySigning = 'decoded' | 'raw'

export function hmacBase64 (secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('base64')
}

/** `KC-API-PASSPHRASE`: plain for key version 1, HMAC'd with the secret for 2 and 3. */
export function passphraseHeader (credentials: Credentials): string {
  return credentials.version === 1 ? credentials.passphrase : hmacBase64(credentials.secret, credentials.passphrase)
}

/** Percent-decodes a query string; a malformed escape leaves the query as sent. */
export function decodeQuery (query: string): string {
  if (!query.includes('%')) return query
  try {
    return decodeURIComponent(query)
  } catch {
    return query
  }
}

/** The path part of the prehash: `path` or `path?query`, the query in the chosen form. */
export function signedPath (path: string, query: string, mode: QuerySigning = 'decoded'): string {
  if (query === '') return path
  return `${path}?${mode === 'decoded' ? decodeQuery(query) : query}`
}

/** prehash = timestamp + METHOD + path[?query] + body */
export function prehash (timestamp: string, method: string, pathWithQuery: string, body: string | Buffer): string {
  return timestamp + method.toUpperCase() + pathWithQuery + (typeof body === 'string' ? body : body.toString('utf8'))
}

export interface SignedHeaders {
  'KC-API-KEY': string
  'KC-API-SIGN': string
  'KC-API-TIMESTAMP': string
  'KC-API-PASSPHRASE': string
  'KC-API-KEY-VERSION': string
}

/**
 * Builds the five KuCoin auth headers. The passphrase header is a pure function
 * of the credentials, so callers on a hot path may pass it precomputed.
 */
export function signRequest (
  credentials: Credentials,
  timestamp: string,
  method: string,
  pathWithQuery: string,
  body: string | Buffer,
  passphrase: string = passphraseHeader(credentials)
): SignedHeaders {
  return {
    'KC-API-KEY': credentials.key,
    'KC-API-SIGN': hmacBase64(credentials.secret, prehash(timestamp, method, pathWithQuery, body)),
    'KC-API-TIMESTAMP': timestamp,
    'KC-API-PASSPHRASE': passphrase,
    'KC-API-KEY-VERSION': String(credentials.version)
  }
}

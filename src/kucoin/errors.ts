// KuCoin's error codes and the transport's failures, mapped onto the gateway's
// error kinds (src/errors.ts). Codes and meanings come from
// ../shared/kucoin/PROTOCOL.md §3.3; several codes mean different things on
// the spot and futures hosts, so every lookup names its market.
import { GatewayError, type ErrorKind } from '../errors.js'
import type { Market } from './catalog.js'

type Entry = readonly [kind: ErrorKind, meaning: string]

/** Codes with one meaning on both hosts (KuCoin's API gateway layer). */
const SHARED: Record<string, Entry> = {
  400001: ['auth-headers-missing', 'KC-API-KEY, -SIGN, -TIMESTAMP or -PASSPHRASE missing'],
  400002: ['timestamp-rejected', 'KC-API-TIMESTAMP more than 5 s away from server time'],
  400003: ['api-key-invalid', 'KC-API-KEY does not exist'],
  400004: ['passphrase-invalid', 'KC-API-PASSPHRASE invalid'],
  400005: ['signature-invalid', 'KC-API-SIGN invalid'],
  400006: ['ip-not-allowed', 'request IP not in the key\'s whitelist'],
  400007: ['permission-denied', 'access denied, the key needs more permission'],
  400008: ['key-version-invalid', 'V1 and V2 keys not supported by this API; create a V3 key'],
  400009: ['key-version-invalid', 'KC-API-KEY-VERSION invalid'],
  400010: ['permission-denied', 'UID access denied, more permission needed'],
  400201: ['permission-denied', 'KC-API-PARTNER-SIGN invalid'],
  400202: ['permission-denied', 'partner: invalid request IP'],
  400301: ['account-restricted', 'restricted by local laws or regulations'],
  400303: ['account-restricted', 'KYC verification required'],
  404000: ['endpoint-not-found', 'URL not found'],
  411100: ['account-restricted', 'user frozen'],
  415000: ['unsupported-media-type', 'Content-Type must be application/json'],
  429000: ['rate-limited', 'rate-limit pool exhausted for this 30 s window'],
  500000: ['upstream-error', 'KuCoin internal error'],
  503000: ['upstream-unavailable', 'service unavailable (maintenance)'],
  1015: ['rate-limited', 'Cloudflare per-IP limit (500 requests / 10 s)']
}

/** Spot and margin host (api.kucoin.com). */
const SPOT: Record<string, Entry> = {
  200001: ['trading-suspended', 'order creation for this pair suspended'],
  200002: ['trading-suspended', 'order cancellation for this pair suspended'],
  200003: ['order-limit-exceeded', 'number of open orders breached the limit'],
  200004: ['insufficient-funds', 'balance insufficient'],
  200009: ['account-restricted', 'KYC needed to trade this pair'],
  230003: ['insufficient-funds', 'balance insufficient'],
  230005: ['upstream-unavailable', 'system busy'],
  260000: ['invalid-parameter', 'deposit address already exists'],
  260100: ['insufficient-funds', 'account has no balance'],
  260210: ['account-restricted', 'withdrawals disabled'],
  260220: ['invalid-parameter', 'deposit address does not exist'],
  400000: ['unknown-symbol', 'bad symbol'],
  400100: ['invalid-parameter', 'parameter error'],
  400200: ['account-restricted', 'forbidden to place an order'],
  400330: ['order-rejected', 'price deviates more than 50% from NAV'],
  400350: ['order-rejected', 'holding upper limit reached'],
  400370: ['order-rejected', 'max price exceeded'],
  400400: ['invalid-parameter', 'parameter error'],
  400401: ['auth-headers-missing', 'user not logged in'],
  400500: ['account-restricted', 'token not supported in your region'],
  400600: ['unknown-symbol', 'symbol not yet available for trading'],
  400700: ['account-restricted', 'transaction restricted, account risk'],
  400760: ['order-rejected', 'order price below the allowed minimum'],
  400800: ['order-rejected', 'leverage order failed'],
  401000: ['endpoint-deprecated', 'interface deprecated'],
  408000: ['upstream-unavailable', 'network timeout inside KuCoin, try later'],
  600100: ['insufficient-funds', 'funds below minimum'],
  600101: ['order-rejected', 'order funds must be more than 0.1 USDT'],
  600203: ['trading-suspended', 'symbol cannot be traded (maintenance)'],
  900001: ['unknown-symbol', 'symbol does not exist'],
  900014: ['invalid-parameter', 'invalid chainId'],
  101030: ['permission-denied', 'margin trading not enabled'],
  103000: ['order-rejected', 'borrowing limit exceeded'],
  210014: ['order-rejected', 'exceeds max borrowing amount'],
  210021: ['insufficient-funds', 'balance not enough'],
  102411: ['invalid-parameter', 'HF: parameter error'],
  102421: ['insufficient-funds', 'HF: insufficient balance'],
  102425: ['invalid-parameter', 'HF: time range not supported'],
  102426: ['duplicate-client-oid', 'HF: duplicate clientOid'],
  102427: ['order-limit-exceeded', 'HF: too many open orders'],
  102428: ['order-state-conflict', 'HF: order being processed, cannot cancel'],
  102429: ['order-rejected', 'HF: price too low'],
  102434: ['order-rejected', 'HF: quantity too large'],
  102435: ['order-rejected', 'HF: quantity too low'],
  102436: ['order-not-found', 'HF: unknown order'],
  126013: ['insufficient-funds', 'margin HF: insufficient balance'],
  126033: ['duplicate-client-oid', 'margin HF: duplicate order'],
  126043: ['order-not-found', 'margin HF: order does not exist'],
  126044: ['duplicate-client-oid', 'margin HF: clientOid duplicate'],
  126045: ['account-restricted', 'margin HF: region restriction'],
  126046: ['account-restricted', 'margin HF: region restriction'],
  126047: ['account-restricted', 'margin HF: KYC required'],
  126048: ['account-restricted', 'margin HF: KYC required'],
  130103: ['order-not-found', 'lending: order not found'],
  130105: ['insufficient-funds', 'lending: insufficient balance'],
  130108: ['order-not-found', 'lending: order not found'],
  130203: ['insufficient-funds', 'margin position: insufficient balance'],
  130301: ['insufficient-funds', 'margin position: insufficient balance'],
  135005: ['kucoin-error', 'margin order query abnormal'],
  135018: ['kucoin-error', 'margin order query abnormal']
}

/** Futures host (api-futures.kucoin.com). */
const FUTURES: Record<string, Entry> = {
  40010: ['account-restricted', 'orders from a restricted country or region'],
  100001: ['invalid-parameter', 'invalid parameters'],
  100002: ['kucoin-error', 'system configuration error'],
  100003: ['unknown-symbol', 'contract does not exist'],
  100004: ['order-state-conflict', 'order not in a cancelable state'],
  100005: ['invalid-parameter', 'risk limit does not exist'],
  200001: ['invalid-parameter', 'L2 query scope too large'],
  200002: ['rate-limited', 'too many requests (10 s block)'],
  200003: ['unknown-symbol', 'symbol parameter invalid'],
  200005: ['insufficient-funds', 'insufficient balance to change the risk limit'],
  300000: ['invalid-parameter', 'request parameter illegal'],
  300001: ['order-limit-exceeded', 'active order quantity limit exceeded'],
  300002: ['trading-suspended', 'order placement or cancellation suspended'],
  300003: ['insufficient-funds', 'balance not enough'],
  300004: ['order-limit-exceeded', 'stop order quantity limit exceeded'],
  300005: ['order-rejected', 'risk limit exceeded'],
  300006: ['order-rejected', 'close price must be better than bankruptcy price'],
  300007: ['order-rejected', 'price worse than liquidation price'],
  300008: ['order-rejected', 'no contra order in the market'],
  300009: ['order-state-conflict', 'position size is 0, cannot close'],
  300010: ['order-rejected', 'failed to close the position'],
  300011: ['order-rejected', 'price above the allowed maximum'],
  300012: ['order-rejected', 'price below the allowed minimum'],
  300013: ['order-rejected', 'no contra order in the book'],
  300014: ['order-state-conflict', 'position is being liquidated'],
  300015: ['trading-suspended', 'settlement in progress'],
  300016: ['invalid-parameter', 'leverage above the maximum'],
  300017: ['order-rejected', 'position belongs to Futures Brawl'],
  300018: ['duplicate-client-oid', 'clientOid repeated'],
  126042: ['order-rejected', 'maximum position size exceeded'],
  400200: ['permission-denied', 'partner: unknown partner']
}

/** Families KuCoin documents as ranges; a specific entry above wins. */
const SPOT_RANGES: ReadonlyArray<readonly [from: number, to: number, entry: Entry]> = [
  [126000, 126048, ['order-rejected', 'margin HF order rejected']],
  [130101, 130315, ['order-rejected', 'lending or margin position rejected']]
]

export interface CodeInfo { kind: ErrorKind, meaning: string }

export function classifyCode (market: Market, code: string): CodeInfo | undefined {
  const entry = (market === 'spot' ? SPOT : FUTURES)[code] ?? SHARED[code] ?? rangeEntry(market, code)
  return entry && { kind: entry[0], meaning: entry[1] }
}

function rangeEntry (market: Market, code: string): Entry | undefined {
  if (market !== 'spot') return undefined
  const n = Number(code)
  return SPOT_RANGES.find(([from, to]) => n >= from && n <= to)?.[2]
}

/** KuCoin's success codes: `200000`, and `200` on a few legacy endpoints. */
export function isSuccessCode (code: string): boolean {
  return code === '200000' || code === '200'
}

/** Milliseconds to wait, from KuCoin's (or its CDN's) `Retry-After` (seconds or a date), else `gw-ratelimit-reset` (ms). */
export function retryAfterFrom (headers: Record<string, string>, now = Date.now()): number | undefined {
  const header = headers['retry-after']?.trim()
  if (header !== undefined && header !== '') {
    if (/^\d+$/.test(header)) return Number(header) * 1000
    const date = Date.parse(header)
    if (Number.isFinite(date)) return Math.max(0, date - now)
  }
  const reset = Number(headers['gw-ratelimit-reset'])
  return Number.isFinite(reset) && reset >= 0 && headers['gw-ratelimit-reset'] !== '' ? reset : undefined
}

/** A KuCoin `{code, msg}` envelope that is not a success. */
export function envelopeError (market: Market, httpStatus: number, code: string, msg: string, headers: Record<string, string>): GatewayError {
  const known = classifyCode(market, code)
  const kind = known?.kind ?? kindFromStatus(httpStatus)
  return new GatewayError(kind, {
    code,
    msg,
    market,
    detail: known ? `${known.meaning} (KuCoin ${code}: ${msg})` : `KuCoin ${code} (HTTP ${httpStatus}): ${msg}`,
    headers,
    retryAfterMs: kind === 'rate-limited' ? retryAfterFrom(headers) : undefined
  })
}

function kindFromStatus (status: number): ErrorKind {
  if (status === 429) return 'rate-limited'
  if (status === 503) return 'upstream-unavailable'
  if (status >= 500) return 'upstream-error'
  return 'kucoin-error'
}

/** A body that is not a KuCoin envelope: an HTML error page, plain text, truncated JSON. */
export function badBodyError (market: Market, status: number, contentType: string, headers: Record<string, string>): GatewayError {
  const what = `HTTP ${status} with ${contentType || 'no content type'}`
  if (status === 429) return new GatewayError('rate-limited', { market, headers, retryAfterMs: retryAfterFrom(headers), detail: `KuCoin rate limit (${what})` })
  if (status >= 500) return new GatewayError('upstream-unavailable', { market, headers, detail: `KuCoin unavailable (${what})` })
  return new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin answered ${what}, not a KuCoin envelope` })
}

/**
 * Cloudflare's own pages in front of KuCoin (HTML, not envelopes), by the
 * error code they show. 1015 shares its meaning with the envelope code above.
 */
const CDN: Record<string, Entry> = {
  1015: SHARED[1015]!,
  520: ['upstream-error', 'Cloudflare 520: KuCoin\'s origin answered with an unknown error'],
  521: ['upstream-unavailable', 'Cloudflare 521: KuCoin\'s origin refused the connection (web server down)'],
  522: ['upstream-timeout', 'Cloudflare 522: the connection to KuCoin\'s origin timed out'],
  523: ['upstream-unavailable', 'Cloudflare 523: KuCoin\'s origin is unreachable'],
  524: ['upstream-timeout', 'Cloudflare 524: KuCoin\'s origin took too long to answer'],
  525: ['upstream-error', 'Cloudflare 525: the TLS handshake between Cloudflare and KuCoin\'s origin failed'],
  526: ['upstream-error', 'Cloudflare 526: KuCoin\'s origin presented an invalid certificate']
}

/** Cloudflare's block after 1015 lasts 30 s (PROTOCOL §4.4) when no header says otherwise. */
export const CDN_RATE_LIMIT_MS = 30_000

/** The Cloudflare error a page stands for: 52x by status, 1015 by the page's words. */
export function cdnCode (status: number, page: string): string | undefined {
  if (status >= 520 && status <= 526) return String(status)
  if (/error(?: code)?:?\s*1015\b|you are being rate limited/i.test(page)) return '1015'
  return undefined
}

/** A non-JSON answer: a known CDN page becomes its own typed error, anything else badBodyError. */
export function pageError (market: Market, status: number, contentType: string, headers: Record<string, string>, page: string): GatewayError {
  const code = cdnCode(status, page)
  const entry = code === undefined ? undefined : CDN[code]
  if (code === undefined || entry === undefined) return badBodyError(market, status, contentType, headers)
  const [kind, meaning] = entry
  return new GatewayError(kind, {
    code,
    msg: meaning,
    market,
    headers,
    detail: `${meaning} (HTTP ${status} page from KuCoin's CDN)`,
    retryAfterMs: kind === 'rate-limited' ? retryAfterFrom(headers) ?? CDN_RATE_LIMIT_MS : undefined
  })
}

/** Every CDN page the gateway recognises, for the docs. */
export function cdnTable (): Array<{ code: string, kind: ErrorKind, meaning: string }> {
  return Object.entries(CDN).map(([code, [kind, meaning]]) => ({ code, kind, meaning }))
}

const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'])
const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function errorCodes (error: unknown): string[] {
  const codes: string[] = []
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

function isTls (code: string): boolean {
  return /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code)
}

function transportKind (codes: string[]): ErrorKind {
  // A body that does not decode (bad gzip, deflate or br, or one that expands past the cap).
  if (codes.some(c => c.startsWith('Z_') || c.startsWith('ERR__ERROR') || c === 'ERR_BUFFER_TOO_LARGE')) return 'upstream-bad-response'
  if (codes.some(c => TIMEOUT.has(c))) return 'upstream-timeout'
  if (codes.some(isTls)) return 'upstream-tls'
  if (codes.some(c => RESET.has(c))) return 'upstream-reset'
  return 'upstream-unreachable'
}

/** A request lost because KuCoin closed a keep-alive socket as it was sent (no answer came back). */
export function isStaleSocket (error: unknown): boolean {
  return errorCodes(error).some(c => c === 'UND_ERR_SOCKET' || c === 'ECONNRESET' || c === 'EPIPE')
}

/** An undici or socket error on the way to KuCoin, or reading its answer. */
export function transportError (market: Market, error: unknown, origin?: string): GatewayError {
  if (error instanceof GatewayError) return error
  const codes = errorCodes(error)
  const kind = transportKind(codes)
  // The host is named so an operator sees which upstream (and which URL setting) to check.
  const where = origin === undefined ? '' : ` talking to KuCoin ${market} at ${origin}`
  const detail = `${kind}${where}${codes.length ? ` (${codes.join(' < ')})` : ''}`
  return new GatewayError(kind, { market, detail, cause: error })
}

export interface CodeTableRow { code: string, market: 'both' | Market, kind: ErrorKind, meaning: string }

/** Every mapped code, for the README table and its drift check. */
export function codeTable (): CodeTableRow[] {
  const rows: CodeTableRow[] = []
  const add = (table: Record<string, Entry>, market: CodeTableRow['market']): void => {
    for (const [code, [kind, meaning]] of Object.entries(table)) rows.push({ code, market, kind, meaning })
  }
  add(SHARED, 'both')
  add(SPOT, 'spot')
  add(FUTURES, 'futures')
  for (const [from, to, [kind, meaning]] of SPOT_RANGES) rows.push({ code: `${from}–${to}`, market: 'spot', kind, meaning })
  return rows
}

/** KuCoin's WebSocket refusal codes (of a topic) as the gateway's error kinds; KuCoin's own code and text travel as `code` and `msg`. */
const WS_REFUSAL_KINDS: Record<number, ErrorKind> = { 400: 'invalid-parameter', 401: 'api-key-invalid', 403: 'permission-denied', 404: 'unknown-symbol', 509: 'rate-limited' }

export function topicRefusalKind (code: number): ErrorKind {
  return WS_REFUSAL_KINDS[code] ?? 'kucoin-error'
}

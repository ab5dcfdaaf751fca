// Reads a placement's JSON body: the idempotency key, the clientOid to send
// (the caller's, or one derived from caller and key), the request's
// fingerprint, and the body to send with the gateway's additions. Pure.
import { createHash } from 'node:crypto'
import { stringify } from 'safe-stable-stringify'
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import { CLIENT_OID, IDEMPOTENCY_KEY, deriveClientOid } from './derived-client-oid.js'
import type { PlacementTarget } from './placement-targets.js'

export interface PreparedPlacement {
  key: string
  clientOid: string
  symbol: string
  fingerprint: string
  /** What goes to KuCoin: the caller's bytes when nothing was added. */
  body: Buffer
  /** KuCoin time after which a lookup that finds nothing proves the order absent. */
  notPlacedAfter: number | undefined
}

export interface PrepareOptions {
  caller: string
  /** The Idempotency-Key header, if sent. */
  header: string | undefined
  target: PlacementTarget
  body: Buffer | undefined
  /** allowMaxTimeWindow the gateway adds to HF orders (0: never). */
  timeWindowMs: number
  /** Lookup lag allowed for after the window. */
  graceMs: number
  kucoinNow: () => number
}

function bad (market: Market, detail: string): GatewayError {
  return new GatewayError('bad-request', { market, detail })
}

function parseObject (market: Market, body: Buffer | undefined): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(body?.toString('utf8') ?? '')
  } catch {
    throw bad(market, 'an order placement body must be a JSON object')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(market, 'an order placement body must be a JSON object')
  return value as Record<string, unknown>
}

function keyOf (market: Market, header: string | undefined, clientOid: unknown): string {
  if (header !== undefined) {
    if (!IDEMPOTENCY_KEY.test(header)) throw bad(market, 'Idempotency-Key must be 1-64 characters of A-Z a-z 0-9 _ . : -')
    return header
  }
  if (clientOid === undefined) {
    throw new GatewayError('idempotency-key-required', { market, detail: 'send an Idempotency-Key header (or a clientOid in the body): without one a retry could place a second order' })
  }
  if (typeof clientOid !== 'string' || !CLIENT_OID.test(clientOid)) throw bad(market, 'clientOid must be 1-40 characters of A-Z a-z 0-9 _ -')
  return clientOid
}

const finite = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined
}

export function preparePlacement (options: PrepareOptions): PreparedPlacement {
  const { target, caller } = options
  const json = parseObject(target.market, options.body)
  const key = keyOf(target.market, options.header, json.clientOid)
  if (json.clientOid !== undefined && (typeof json.clientOid !== 'string' || !CLIENT_OID.test(json.clientOid))) {
    throw bad(target.market, 'clientOid must be 1-40 characters of A-Z a-z 0-9 _ -')
  }
  const fingerprint = createHash('sha256').update(`${target.name}\n${stringify(json)}`).digest('base64url').slice(0, 22)
  const additions: Record<string, unknown> = {}
  const clientOid = typeof json.clientOid === 'string' ? json.clientOid : deriveClientOid(caller, key)
  if (json.clientOid === undefined) additions.clientOid = clientOid
  let notPlacedAfter: number | undefined
  if (target.timeWindow) {
    let stamp = finite(json.clientTimestamp)
    let window = finite(json.allowMaxTimeWindow)
    if (stamp === undefined && window === undefined && options.timeWindowMs > 0) {
      stamp = options.kucoinNow()
      window = options.timeWindowMs
      additions.clientTimestamp = stamp
      additions.allowMaxTimeWindow = window
    }
    if (stamp !== undefined && window !== undefined) notPlacedAfter = stamp + window + options.graceMs
  }
  const body = Object.keys(additions).length === 0 ? options.body! : Buffer.from(JSON.stringify({ ...json, ...additions }))
  return { key, clientOid, symbol: typeof json.symbol === 'string' ? json.symbol : '', fingerprint, body, notPlacedAfter }
}

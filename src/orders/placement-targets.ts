// Which REST calls place an order, and how each one's order is looked up by
// clientOid afterwards (PROTOCOL Appendix A). What a lookup can prove differs:
//  - HF spot and margin lookups also find done orders, so "found" is final;
//  - classic spot lookups see only active orders: "not found" proves nothing;
//  - only HF spot takes `allowMaxTimeWindow` + `clientTimestamp`, after which
//    KuCoin refuses a late arrival, so a "not found" past the window (plus a
//    grace for lookup visibility lag) proves the order was never placed.
import type { Market } from '../kucoin/catalog.js'

export interface PlacementTarget {
  market: Market
  /** A short stable name for metrics and /placements answers. */
  name: 'spot-hf' | 'spot-hf-sync' | 'spot-classic' | 'margin-hf' | 'futures'
  /** The lookup by clientOid: path and query. */
  lookup: (clientOid: string, symbol: string) => { path: string, query: string }
  /** KuCoin honours allowMaxTimeWindow + clientTimestamp here. */
  timeWindow: boolean
  /** A lookup that finds nothing can mean "not placed" (once the window has passed). */
  lookupSeesDone: boolean
}

const enc = encodeURIComponent

const SPOT_HF_LOOKUP = (oid: string, symbol: string): { path: string, query: string } =>
  ({ path: `/api/v1/hf/orders/client-order/${enc(oid)}`, query: `symbol=${enc(symbol)}` })

const TARGETS: Record<string, PlacementTarget> = {
  'spot POST /api/v1/hf/orders': { market: 'spot', name: 'spot-hf', lookup: SPOT_HF_LOOKUP, timeWindow: true, lookupSeesDone: true },
  'spot POST /api/v1/hf/orders/sync': { market: 'spot', name: 'spot-hf-sync', lookup: SPOT_HF_LOOKUP, timeWindow: true, lookupSeesDone: true },
  'spot POST /api/v1/orders': {
    market: 'spot',
    name: 'spot-classic',
    lookup: oid => ({ path: `/api/v1/order/client-order/${enc(oid)}`, query: '' }),
    timeWindow: false,
    lookupSeesDone: false
  },
  'spot POST /api/v3/hf/margin/order': {
    market: 'spot',
    name: 'margin-hf',
    lookup: (oid, symbol) => ({ path: `/api/v3/hf/margin/orders/client-order/${enc(oid)}`, query: `symbol=${enc(symbol)}` }),
    timeWindow: false,
    lookupSeesDone: true
  },
  'futures POST /api/v1/orders': {
    market: 'futures',
    name: 'futures',
    lookup: oid => ({ path: '/api/v1/orders/byClientOid', query: `clientOid=${enc(oid)}` }),
    timeWindow: false,
    lookupSeesDone: true
  }
}

/** The placement a call makes, or undefined for every other call (a trailing slash counts as the same path). */
export function placementTarget (market: Market, method: string, path: string): PlacementTarget | undefined {
  if (method !== 'POST') return undefined
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  return TARGETS[`${market} POST ${trimmed}`]
}

/** A stored record's route, by its name. */
export function targetByName (name: string): PlacementTarget | undefined {
  return Object.values(TARGETS).find(t => t.name === name)
}

/** Every placement route, for the docs. */
export function placementRoutes (): string[] {
  return Object.keys(TARGETS)
}

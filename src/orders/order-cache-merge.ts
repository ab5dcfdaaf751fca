// The read-your-writes cache's state of one order, and how evidence about it
// is merged. Pure. Evidence arrives out of order — a lookup answered by a
// lagging replica, a stream message overtaken by the placement reply, a
// reconnect replaying nothing — so the merge is monotonic: a final state
// sticks, the filled size never shrinks, and a known field is never unset.
import type { Market } from '../kucoin/catalog.js'

/** KuCoin's order statuses in the order an order passes them (spot `new` → futures/spot `open` → `match` → `done`). */
export const STATUS_RANK = { new: 0, open: 1, match: 2, done: 3 } as const
export type OrderStatus = keyof typeof STATUS_RANK

/** Which order book an order lives in; its lookups and shapes differ. */
export type OrderKind = 'spot-hf' | 'margin-hf' | 'spot-classic' | 'futures'

/** One piece of evidence: a placement reply, a lookup reply or a stream message. Every field optional. */
export interface OrderUpdate {
  orderId?: string
  clientOid?: string
  symbol?: string
  side?: string
  type?: string
  price?: string
  size?: string
  funds?: string
  status?: OrderStatus
  /** Filled base size (futures: lots), a decimal string. */
  filledSize?: string
  canceledSize?: string
  /** Milliseconds since the epoch. */
  createdAt?: number
  /** A full order as a lookup answered it (KuCoin's own shape), kept to answer with. */
  detail?: Record<string, unknown>
}

export interface CachedOrder extends OrderUpdate {
  market: Market
  kind: OrderKind
  status: OrderStatus
  filledSize: string
  /** The gateway sent the placement at this moment (monotonic ms); undefined for orders it only heard of. */
  sentAt?: number
  /** KuCoin confirmed the order exists (a success reply, a lookup, a stream message). */
  confirmed: boolean
  /** Last change (monotonic ms), for expiry. */
  touchedAt: number
}

const IDENTITY = ['orderId', 'clientOid', 'symbol', 'side', 'type', 'price', 'size', 'funds', 'createdAt'] as const

/** Compares two non-negative decimal strings exactly (no float rounding): -1, 0 or 1. */
export function compareDecimal (a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.')
  const [bi = '0', bf = ''] = b.split('.')
  const ia = ai.replace(/^0+(?=\d)/, '')
  const ib = bi.replace(/^0+(?=\d)/, '')
  if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1
  const width = Math.max(af.length, bf.length)
  const x = ia + af.padEnd(width, '0')
  const y = ib + bf.padEnd(width, '0')
  return x === y ? 0 : x < y ? -1 : 1
}

const DECIMAL = /^\d+(\.\d+)?$/

/** The larger of two filled sizes; a malformed one never wins. */
function maxFilled (a: string, b: string | undefined): string {
  if (b === undefined || !DECIMAL.test(b)) return a
  if (!DECIMAL.test(a)) return b
  return compareDecimal(b, a) > 0 ? b : a
}

/**
 * Merges one piece of evidence into the cached state (a new object; `prev` is
 * not changed). Final states stick: once `done`, a later `open` (a stale
 * lookup, a reordered message) does not reopen it. The filled size is the
 * largest ever seen. Identity fields are filled in, never unset or replaced.
 */
export function mergeOrder (prev: CachedOrder, update: OrderUpdate, confirmed: boolean, now: number): CachedOrder {
  const next: CachedOrder = { ...prev, touchedAt: now, confirmed: prev.confirmed || confirmed }
  for (const field of IDENTITY) {
    if (next[field] === undefined && update[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = update[field]
  }
  if (update.status !== undefined && STATUS_RANK[update.status] > STATUS_RANK[prev.status]) next.status = update.status
  next.filledSize = maxFilled(prev.filledSize, update.filledSize)
  if (update.canceledSize !== undefined) next.canceledSize = maxFilled(prev.canceledSize ?? update.canceledSize, update.canceledSize)
  if (update.detail !== undefined) next.detail = update.detail
  return next
}

/** A fresh entry for evidence about an order not yet cached. */
export function newOrder (market: Market, kind: OrderKind, update: OrderUpdate, confirmed: boolean, now: number): CachedOrder {
  return mergeOrder({ market, kind, status: 'new', filledSize: '0', confirmed: false, touchedAt: now }, update, confirmed, now)
}

/** The order is final: done, nothing more will happen to it. */
export function isFinal (order: CachedOrder): boolean {
  return order.status === 'done'
}

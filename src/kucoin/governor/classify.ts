// What a call costs and how urgent it is, from the catalog (docs/kucoin-protocol.md#rate-limits).
import type { Endpoint, Market } from '../catalog.js'
import type { Priority } from './fair-queue.js'

export interface Charge {
  pool: string
  weight: number
  priority: Priority
  /** The catalog does not know the call: its pool is a guess, so KuCoin's answer about "its" pool may be another pool's. */
  guessed: boolean
}

/**
 * The weight of a call whose weight the spec does not give (an endpoint the
 * catalog does not know, or one listed without a weight). Conservative: as
 * much as all but a handful of KuCoin's operations cost, so a guess spends
 * the budget early rather than letting KuCoin refuse.
 */
export const UNKNOWN_WEIGHT = 20

/**
 * The pool and weight the spec gives, and the priority class: cancels first
 * (they reduce risk), then other writes, then private reads, then public
 * reads. A call the catalog does not know is charged UNKNOWN_WEIGHT to the
 * pool its signing suggests, and marked as guessed.
 */
export function chargeFor (market: Market, method: string, signed: boolean, endpoint: Endpoint | undefined): Charge {
  const pool = endpoint?.pool ?? (signed ? (market === 'spot' ? 'Spot' : 'Futures') : 'Public')
  const weight = endpoint?.weight ?? UNKNOWN_WEIGHT
  return { pool, weight, priority: priorityOf(method, signed, endpoint), guessed: endpoint === undefined }
}

function priorityOf (method: string, signed: boolean, endpoint: Endpoint | undefined): Priority {
  if (method === 'DELETE' || /cancel/i.test(endpoint?.name ?? '')) return 'cancel'
  if (method !== 'GET') return 'place'
  return signed ? 'private-read' : 'public-read'
}

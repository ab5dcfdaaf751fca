// What a call costs and how urgent it is, from the catalog (PROTOCOL §4.3).
import type { Endpoint, Market } from '../catalog.js'
import type { Priority } from './fair-queue.js'

export interface Charge { pool: string, weight: number, priority: Priority }

/**
 * The pool and weight the spec gives, and the priority class: cancels first
 * (they reduce risk), then other writes, then private reads, then public
 * reads. A call the catalog does not know is charged 1 to the pool its
 * signing suggests; a missing weight counts 1.
 */
export function chargeFor (market: Market, method: string, signed: boolean, endpoint: Endpoint | undefined): Charge {
  const pool = endpoint?.pool ?? (signed ? (market === 'spot' ? 'Spot' : 'Futures') : 'Public')
  const weight = endpoint?.weight ?? 1
  return { pool, weight, priority: priorityOf(method, signed, endpoint) }
}

function priorityOf (method: string, signed: boolean, endpoint: Endpoint | undefined): Priority {
  if (method === 'DELETE' || /cancel/i.test(endpoint?.name ?? '')) return 'cancel'
  if (method !== 'GET') return 'place'
  return signed ? 'private-read' : 'public-read'
}

// What the governor asks of a budget shared with other replicas (replica
// mode, src/replicas/budget.ts), and what it spends alone when that budget
// cannot be reached. The governor never imports Redis: it sees this interface.
import type { PoolBudget } from './budget.js'

export interface SharedReservation {
  pool: string
  weight: number
  /** The pool's quota as this replica knows it (KuCoin's gw-ratelimit-limit once seen). */
  limit: number
  /** Weight the call must leave unspent: its class's reserve (cancels keep the rest). */
  keep: number
  /** What KuCoin's own headers, seen by this replica, say is spent in its window; 0 with nothing known. */
  knownUsed: number
  /** When that window ends, in ms from now; 0 with nothing known. */
  knownResetInMs: number
}

export type SharedVerdict =
  | { kind: 'admitted' }
  | { kind: 'refused', retryAfterMs: number }
  /** The shared budget did not answer in time (Redis slow or down): spend the local share. */
  | { kind: 'unavailable' }

export interface SharedSync {
  pool: string
  limit: number
  remaining: number
  resetMs: number
  /** Weight this replica has sent and KuCoin has not answered yet. */
  inFlight: number
}

export interface SharedLedger {
  reserve: (reservation: SharedReservation) => Promise<SharedVerdict>
  /** KuCoin's headers after a response; fire and forget (a failure only costs accuracy). */
  sync: (sync: SharedSync) => void
  /** Share (0–1] of a pool this replica may spend alone while the ledger is unavailable. */
  fallbackShare: () => number
}

/**
 * One pool's spending while the shared budget is unreachable. On entering
 * (and at every new window) the replica may spend `share` of what its own
 * view of KuCoin's headers says is left; KuCoin's later headers, which count
 * every replica's calls, only ever lower it. Pure: the caller passes the budget.
 */
export class FallbackShare {
  active = false
  private allowance = 0
  private generation = -1

  /**
   * `weight` was already taken from `budget` by the local governor; true when it also fits this
   * replica's share. Not within `marginMs` of the window's end, as in the shared budget: a call sent
   * then may land in KuCoin's next window, which every replica's fresh share would then overfill.
   */
  take (budget: PoolBudget, weight: number, share: number, now: number, marginMs: number): boolean {
    if (budget.resetAt !== undefined && now >= budget.resetAt - marginMs && budget.remaining + weight < budget.limit) return false
    if (!this.active || this.generation !== budget.generation) {
      this.active = true
      this.generation = budget.generation
      this.allowance = Math.floor(share * (budget.remaining + weight))
    }
    if (weight > this.allowance) return false
    this.allowance -= weight
    return true
  }

  /** KuCoin's `remaining` after a response, while in fallback: the share of it is a ceiling. */
  sync (budget: PoolBudget, remaining: number | undefined, share: number): void {
    if (!this.active || remaining === undefined || this.generation !== budget.generation) return
    this.allowance = Math.min(this.allowance, Math.floor(share * remaining))
  }

  leave (): void {
    this.active = false
  }
}

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
  /** What credit reserved ahead must leave unspent: the most careful class's reserve, so any class may spend it. */
  creditKeep: number
  /** What KuCoin's own headers, seen by this replica, say is spent in its window; 0 with nothing known. */
  knownUsed: number
  /** When that window ends, in ms from now; 0 with nothing known. */
  knownResetInMs: number
}

export type SharedVerdict =
  /** `remaining`: what the shared window has left after this call; `refillMs`: when it ends. */
  /** `credit`: spent from weight this replica had reserved ahead, without asking the shared budget. */
  | { kind: 'admitted', remaining: number, refillMs: number, credit?: boolean }
  | { kind: 'refused', remaining: number, retryAfterMs: number }
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
 * the replica may spend `share` of what was left: the least of its own view
 * of KuCoin's headers and what Redis said last (when that window still runs:
 * it counts the other replicas' calls that KuCoin has not answered yet); in
 * every later window, `share` of the pool. KuCoin's headers, which count
 * every replica's calls, only ever lower it. Pure: the caller passes the budget.
 */
export class FallbackShare {
  active = false
  private allowance = 0
  private generation = -1
  /** What Redis last said the shared window had left, and when that window ends. */
  private sharedLeft = Infinity
  private sharedEnd = 0

  /** Redis answered: remembered in case it stops answering within this window. */
  shared (remaining: number, endsAt: number): void {
    this.active = false
    this.sharedLeft = Math.max(0, remaining)
    this.sharedEnd = endsAt
  }

  /**
   * `weight` was already taken from `budget` by the local governor; true when it also fits this
   * replica's share. Not within `marginMs` of the window's end, as in the shared budget: a call sent
   * then may land in KuCoin's next window, which every replica's fresh share would then overfill.
   */
  take (budget: PoolBudget, weight: number, share: number, now: number, marginMs: number): boolean {
    if (budget.resetAt !== undefined && now >= budget.resetAt - marginMs && budget.remaining + weight < budget.limit) return false
    if (!this.active || this.generation !== budget.generation) {
      const shared = this.sharedEnd > now ? this.sharedLeft : Infinity
      this.active = true
      this.generation = budget.generation
      this.allowance = Math.floor(share * Math.min(budget.remaining + weight, shared))
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
}

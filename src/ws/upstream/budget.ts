// KuCoin's limits per user ID, shared by every upstream pool (both markets,
// public and private): how many connections may be open at once (§5.8: 50 in
// the older docs, more since; configurable, default below the lowest figure)
// and how many new ones a minute (30). A topic that needs a connection beyond
// the budget is refused, not queued: the client hears 509 at once, and the
// topics already served are untouched.
import { RateWindow } from '../rate-window.js'

export interface BudgetStatus {
  /** Logical upstream connections the budget allows, and how many are taken. */
  max: number
  used: number
}

export class UpstreamBudget {
  private used = 0
  private readonly connects: RateWindow

  constructor (readonly maxConnections: number, maxConnectsPerMinute: number) {
    this.connects = new RateWindow(maxConnectsPerMinute, 60_000)
  }

  /** Takes one connection from the budget, or says there is none left. */
  tryReserve (): boolean {
    if (this.used >= this.maxConnections) return false
    this.used++
    return true
  }

  release (): void {
    if (this.used > 0) this.used--
  }

  /** Waits until one more new connection is allowed under KuCoin's per-minute rate. */
  async connectSlot (): Promise<void> {
    for (let wait = this.connects.delay(); wait > 0; wait = this.connects.delay()) {
      await new Promise(resolve => setTimeout(resolve, wait).unref())
    }
    this.connects.take()
  }

  status (): BudgetStatus {
    return { max: this.maxConnections, used: this.used }
  }
}

// Prefetched credit of the shared KuCoin budget: weight a replica reserved in
// Redis ahead of its calls (the RESERVE script grants a chunk on top of a
// call's weight when the pool has room for it), spent later by calls of the
// same pool without a Redis round trip. Conservative by construction:
// - it is counted in Redis's `used` when granted, so the other replicas see it
//   as spent from that moment, and unspent credit is lost, never sent;
// - it was reserved leaving the most careful class's reserve unspent, so any
//   class may spend it;
// - it is valid only while Redis itself would still admit a call in that
//   window: until the window's end less the margin, counted from when the
//   request was sent (before Redis's clock read `now`), so never later;
// - Redis unavailable or reconnected, it is dropped (Redis may have lost it).
// Pure: the caller passes the clock.

export interface CreditGrant {
  /** Weight granted beyond the call's own. */
  granted: number
  /** When the request that was granted left, on the caller's clock. */
  sentAt: number
  /** RESERVE's msToRefill: the window's end plus the margin, from Redis's `now`. */
  msToRefill: number
  marginMs: number
  /** What the shared window had left after the grant (the credit counted as spent). */
  remaining: number
}

export class PoolCredit {
  /** Weight this replica may still spend without asking Redis. */
  amount = 0
  /** A chunk is being asked for (a top-up, or on a call's own reservation): never two at once. */
  asking = false
  /** Spends allowed before this moment (the shared window's end less the margin). */
  private until = 0
  /** Redis's last word on the window, for the governor's fallback share. */
  private remaining = 0
  private endsAt = 0

  /** @param chunk what a reservation asks for on top of a call (the owner keeps it a share of the pool's current limit). */
  constructor (public chunk: number) {}

  /** The chunk a reservation asks for on top of a call of `weight`: at least the call's weight. */
  chunkFor (weight: number): number {
    return this.chunk > 0 ? Math.max(this.chunk, weight) : 0
  }

  /** A grant arrived; credit of the same window adds up and keeps the earlier validity. */
  grant (g: CreditGrant, now: number): void {
    this.remaining = g.remaining
    this.endsAt = now + g.msToRefill
    if (g.granted <= 0) return
    // msToRefill = reset + margin - redisNow, and sentAt came before redisNow: sentAt + msToRefill - 2 margin <= reset - margin.
    const until = g.sentAt + g.msToRefill - 2 * g.marginMs
    if (until <= now) return
    if (this.usable(now)) {
      this.amount += g.granted
      this.until = Math.min(this.until, until)
    } else {
      this.amount = g.granted
      this.until = until
    }
  }

  /** Takes `weight` from the credit if it covers it and its window still runs; what Redis said last, else undefined. */
  spend (weight: number, now: number): { remaining: number, refillMs: number } | undefined {
    if (!this.usable(now) || this.amount < weight) return undefined
    this.amount -= weight
    return { remaining: this.remaining, refillMs: Math.max(0, this.endsAt - now) }
  }

  /** True when a background top-up should be asked for now: credit below half a chunk, none asked for yet. */
  wantsTopUp (now: number): boolean {
    return this.chunk > 0 && !this.asking && this.usable(now) && this.amount * 2 < this.chunk
  }

  /** What this replica holds unspent in Redis's count (0 once expired). */
  held (now: number): number {
    return this.usable(now) ? this.amount : 0
  }

  clear (): void {
    this.amount = 0
    this.until = 0
  }

  private usable (now: number): boolean {
    return now < this.until
  }
}

// One KuCoin rate-limit pool as the gateway sees it: a weight budget over a
// fixed window that starts with the first call (PROTOCOL §4.1). Pure: the
// caller passes the time. KuCoin's gw-ratelimit-* headers are the truth and
// pull the local count toward them; a KuCoin 429 empties the pool until its reset.

export interface RateHeaders {
  limit?: number
  remaining?: number
  /** Milliseconds until KuCoin's window resets. */
  resetMs?: number
}

export interface BudgetOptions {
  limit: number
  windowMs: number
  /**
   * Extra wait after the window's end before the budget refills: KuCoin's
   * window starts when the first call arrives, a little after we sent it.
   */
  marginMs: number
}

/** Reads the three gw-ratelimit-* headers; absent or malformed ones are left out. */
export function rateHeaders (headers: Record<string, string>): RateHeaders {
  const num = (name: string): number | undefined => {
    const raw = headers[`gw-ratelimit-${name}`]
    const value = raw === undefined || raw === '' ? NaN : Number(raw)
    return Number.isFinite(value) && value >= 0 ? value : undefined
  }
  const out: RateHeaders = {}
  const limit = num('limit')
  const remaining = num('remaining')
  const resetMs = num('reset')
  if (limit !== undefined && limit > 0) out.limit = limit
  if (remaining !== undefined) out.remaining = remaining
  if (resetMs !== undefined) out.resetMs = resetMs
  return out
}

export class PoolBudget {
  limit: number
  remaining: number
  /** When the current window ends; undefined until a call starts one. */
  resetAt: number | undefined
  /** Weight sent and not yet answered: KuCoin may not have counted it when it reports `remaining`. */
  inFlight = 0
  /** Counts windows: a new one begins when the last ends or KuCoin reports a newer one. */
  generation = 0
  /** Whether KuCoin's headers have spoken about the current window (its count and reset are then KuCoin's). */
  synced = false

  constructor (private readonly options: BudgetOptions) {
    this.limit = options.limit
    this.remaining = options.limit
  }

  /** Rolls the window over when it has ended; returns the weight available now. */
  available (now: number): number {
    if (this.resetAt !== undefined && now >= this.resetAt + this.options.marginMs) {
      this.remaining = this.limit
      this.resetAt = undefined
      this.synced = false
      this.generation++
    }
    return this.remaining
  }

  /** When the budget refills (ms from now); 0 when a window has not started. */
  msUntilRefill (now: number): number {
    return this.resetAt === undefined ? 0 : Math.max(0, this.resetAt + this.options.marginMs - now)
  }

  take (weight: number, now: number): void {
    this.available(now)
    if (this.resetAt === undefined) this.resetAt = now + this.options.windowMs
    this.remaining -= weight
    this.inFlight += weight
  }

  /** A call taken in window `generation` will not be sent after all: its weight is back, if that window still runs. */
  refund (weight: number, generation: number): void {
    this.inFlight = Math.max(0, this.inFlight - weight)
    if (generation === this.generation) this.remaining = Math.min(this.limit, this.remaining + weight)
  }

  /** A call has been answered (or failed): its weight is no longer in flight. */
  settle (weight: number): void {
    this.inFlight = Math.max(0, this.inFlight - weight)
  }

  /**
   * KuCoin's view after a response. Within the same window the lower count
   * wins (someone else may share the key); a window KuCoin started after ours
   * is adopted, less what is still in flight.
   */
  sync (h: RateHeaders, now: number): void {
    if (h.limit !== undefined) this.limit = h.limit
    if (h.remaining === undefined || h.resetMs === undefined) return
    this.available(now)
    const theirs = now + h.resetMs
    const newer = this.resetAt === undefined || theirs > this.resetAt + this.options.windowMs / 2
    if (newer && this.resetAt !== undefined) this.generation++
    this.remaining = newer
      ? Math.max(0, h.remaining - this.inFlight)
      : Math.min(this.remaining, h.remaining)
    this.remaining = Math.min(this.remaining, this.limit)
    this.resetAt = theirs
    this.synced = true
  }

  /** KuCoin answered 429: nothing more until its reset (or a whole window when it did not say). */
  pause (retryAfterMs: number | undefined, now: number): void {
    this.remaining = 0
    const until = now + (retryAfterMs ?? this.options.windowMs)
    this.resetAt = Math.max(this.resetAt ?? 0, until)
  }
}

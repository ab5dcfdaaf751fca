// KuCoin's rate limit 2.0 (PROTOCOL §4): a weight budget per (pool, identity)
// over a fixed window that starts with the identity's first request.

/** KuCoin's VIP0 quotas per 30 s. */
export const VIP0_QUOTAS: Readonly<Record<string, number>> = {
  Spot: 4000, Futures: 2000, Management: 2000, Public: 2000, Earn: 2000, CopyTrading: 2000, Broker: 2000
}
const DEFAULT_QUOTA = 2000

export interface RateVerdict {
  ok: boolean
  /** The three gw-ratelimit-* headers for the pool charged. */
  headers: Record<string, string>
}

interface Window { start: number, used: number }

export class RateLimiter {
  private readonly windows = new Map<string, Window>()

  constructor (
    private readonly quotas: Partial<Record<string, number>>,
    private readonly windowMs: number
  ) {}

  /** Charges `weight` unless that would exceed the quota; a refused request costs nothing. */
  charge (pool: string, identity: string, weight: number, now: number): RateVerdict {
    const limit = this.quotas[pool] ?? VIP0_QUOTAS[pool] ?? DEFAULT_QUOTA
    const id = `${pool}\n${identity}`
    let window = this.windows.get(id)
    if (window === undefined || now >= window.start + this.windowMs) {
      window = { start: now, used: 0 }
      this.windows.set(id, window)
    }
    const ok = window.used + weight <= limit
    if (ok) window.used += weight
    return {
      ok,
      headers: {
        'gw-ratelimit-limit': String(limit),
        'gw-ratelimit-remaining': String(limit - window.used),
        'gw-ratelimit-reset': String(window.start + this.windowMs - now)
      }
    }
  }
}

// Identical calls made once: a call whose key is already in flight shares that
// call's promise (across fields and across concurrent requests), and a
// success can be kept for a short TTL in a cache of bounded size. Failures are
// shared while in flight but never cached.

export interface CoalescerOptions {
  /** How long a success is reused; 0 keeps nothing once the call has settled. */
  ttlMs: number
  /** Most cached entries; the oldest is dropped first. */
  maxEntries: number
  /** Whether callers join an identical call in flight; off only to measure the cost of every call. */
  shareInFlight?: boolean
  now?: () => number
}

export interface CoalescerStats {
  /** Calls actually made. */
  calls: number
  /** Callers that joined a call already in flight. */
  joined: number
  /** Callers answered from the cache. */
  cached: number
}

export class Coalescer {
  readonly stats: CoalescerStats = { calls: 0, joined: 0, cached: 0 }
  private readonly inFlight = new Map<string, Promise<unknown>>()
  private readonly cache = new Map<string, { value: unknown, expires: number }>()
  private readonly now: () => number

  constructor (private readonly options: CoalescerOptions) {
    this.now = options.now ?? Date.now
  }

  /** Runs `call` unless an identical one is in flight or fresh in the cache; `cacheable` false skips the cache. */
  run<T> (key: string, call: () => Promise<T>, cacheable: boolean): Promise<T> {
    if (cacheable) {
      const hit = this.cache.get(key)
      if (hit !== undefined && hit.expires > this.now()) {
        this.stats.cached++
        return Promise.resolve(hit.value as T)
      }
    }
    const pending = this.options.shareInFlight === false ? undefined : this.inFlight.get(key)
    if (pending !== undefined) {
      this.stats.joined++
      return pending as Promise<T>
    }
    this.stats.calls++
    const promise = call().then(value => {
      if (cacheable) this.remember(key, value)
      return value
    }).finally(() => { this.inFlight.delete(key) })
    this.inFlight.set(key, promise)
    return promise
  }

  get size (): number {
    return this.cache.size
  }

  private remember (key: string, value: unknown): void {
    if (this.options.ttlMs <= 0) return
    this.cache.delete(key) // re-inserted last, so Map order stays oldest-first
    while (this.cache.size >= this.options.maxEntries) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(key, { value, expires: this.now() + this.options.ttlMs })
  }
}

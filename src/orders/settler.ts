// Settles a placement whose answer was lost: looks the order up by its
// clientOid on a bounded backoff schedule until it is found (placed), proved
// absent (not placed: an HF order past its allowMaxTimeWindow, plus a grace
// for KuCoin's lookup lag), or the time is up (still unknown; a later
// GET /placements/{key} or retry tries again). One settlement per key runs at a time.
import type { Market } from '../kucoin/catalog.js'
import { storeKey, type PlacementRecord } from './idempotency-store.js'

export type LookupResult =
  | { kind: 'found', orderId: string }
  | { kind: 'not-found' }
  | { kind: 'failed', reason: string }

export type Settlement =
  | { outcome: 'placed', orderId: string }
  | { outcome: 'not-placed' }
  | { outcome: 'unknown' }

export interface SettlerOptions {
  /** Waits before each lookup, in order; the last repeats until maxMs. */
  delaysMs: readonly number[]
  /** Longest a settlement runs. */
  maxMs: number
  lookup: (record: PlacementRecord) => Promise<LookupResult>
  /** KuCoin's clock (the time window is judged in KuCoin time). */
  kucoinNow: (market: Market) => number
  /** Told after every settlement (metrics). */
  observe?: (settlement: Settlement, seconds: number, lookups: number) => void
}

export const DEFAULT_SETTLE_DELAYS_MS = [0, 100, 250, 500, 1000, 2000, 4000] as const

/** A not-found proves absence only where lookups see done orders and the time window has passed. */
export function provesAbsence (record: PlacementRecord, kucoinNow: number): boolean {
  return record.notPlacedAfter !== undefined && kucoinNow > record.notPlacedAfter
}

export class Settler {
  private readonly running = new Map<string, Promise<Settlement>>()
  private readonly timers = new Set<{ timer: NodeJS.Timeout, wake: () => void }>()
  private closed = false

  constructor (private readonly options: SettlerOptions) {}

  /** The settlement of this record; joins one already running for the same key. */
  settle (record: PlacementRecord): Promise<Settlement> {
    const id = storeKey(record.caller, record.key)
    let running = this.running.get(id)
    if (running === undefined) {
      running = this.run(record).finally(() => this.running.delete(id))
      this.running.set(id, running)
    }
    return running
  }

  private async run (record: PlacementRecord): Promise<Settlement> {
    const { delaysMs, maxMs, lookup, kucoinNow } = this.options
    const started = Date.now()
    let lookups = 0
    let settlement: Settlement = { outcome: 'unknown' }
    for (let attempt = 0; !this.closed; attempt++) {
      const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)] ?? 1000
      if (Date.now() + delay - started > maxMs) break
      await this.sleep(delay)
      if (this.closed) break
      lookups++
      const result = await lookup(record)
      if (result.kind === 'found') { settlement = { outcome: 'placed', orderId: result.orderId }; break }
      if (result.kind === 'not-found' && provesAbsence(record, kucoinNow(record.market))) { settlement = { outcome: 'not-placed' }; break }
    }
    this.options.observe?.(settlement, (Date.now() - started) / 1000, lookups)
    return settlement
  }

  private async sleep (ms: number): Promise<void> {
    if (ms <= 0) return
    await new Promise<void>(resolve => {
      const entry = { timer: setTimeout(() => { this.timers.delete(entry); resolve() }, ms), wake: resolve }
      this.timers.add(entry)
    })
  }

  /** Stops every settlement at its next step (they end unknown). */
  close (): void {
    this.closed = true
    for (const { timer, wake } of this.timers) { clearTimeout(timer); wake() }
    this.timers.clear()
  }
}

// Settles a placement whose answer was lost: looks the order up by its
// clientOid on a bounded backoff schedule until it is found (placed), proved
// absent (not placed: an HF order past its allowMaxTimeWindow, plus a grace
// for KuCoin's lookup lag), or the time is up (still unknown; a later
// GET /placements/{key} or retry tries again). One settlement per key runs at a time.
//
// Meanwhile it listens to the private order stream (the `watch`, the order
// cache): KuCoin pushes a new order there as it is created, usually long
// before its lookups see it, and sometimes before the lost answer is even
// known to be lost. The order heard there, before or during the settlement,
// settles it at once as placed. Lookups go on regardless: the stream may be
// off, down or lagging.
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

/** How a settlement ended: heard on the order stream, answered by a lookup, or neither (unknown). */
export type SettledBy = 'stream' | 'lookup' | 'none'

/** The private order stream as the order cache keeps it (src/orders/order-cache.ts). */
export interface OrderWatch {
  /** The order id KuCoin already confirmed for this clientOid, if known (heard before a settlement began). */
  confirmedOrderId: (market: Market, clientOid: string) => string | undefined
  /** Tells `listener` of every order the stream names with both ids, from now on; returns the unsubscribe. */
  onOrder: (listener: (market: Market, clientOid: string, orderId: string) => void) => () => void
}

export interface SettlerOptions {
  /** Waits before each lookup, in order; the last repeats until maxMs. */
  delaysMs: readonly number[]
  /** Longest a settlement runs. */
  maxMs: number
  lookup: (record: PlacementRecord) => Promise<LookupResult>
  /** KuCoin's clock (the time window is judged in KuCoin time). */
  kucoinNow: (market: Market) => number
  /** The order stream, when the gateway watches it; without it, lookups alone settle. */
  watch?: OrderWatch
  /** Told after every settlement (metrics). */
  observe?: (settlement: Settlement, seconds: number, lookups: number, by: SettledBy) => void
}

/** What one running settlement heard on the stream; `heard` resolves once it has. */
interface Hearing { orderId: string | undefined, heard: Promise<void>, stop: () => void }

export const DEFAULT_SETTLE_DELAYS_MS = [0, 100, 250, 500, 1000, 2000, 4000] as const

/** A not-found proves absence only where lookups see done orders and the time window has passed. */
export function provesAbsence (record: PlacementRecord, kucoinNow: number): boolean {
  return record.notPlacedAfter !== undefined && kucoinNow > record.notPlacedAfter
}

export class Settler {
  private readonly running = new Map<string, Promise<Settlement>>()
  private readonly timers = new Set<{ timer: NodeJS.Timeout, wake: () => void }>()
  /** Running settlements' ears, by `market clientOid` (two keys may share a clientOid). */
  private readonly ears = new Map<string, Set<(orderId: string) => void>>()
  private readonly unwatch: (() => void) | undefined
  private closed = false

  constructor (private readonly options: SettlerOptions) {
    this.unwatch = options.watch?.onOrder((market, clientOid, orderId) => {
      for (const ear of this.ears.get(`${market} ${clientOid}`) ?? []) ear(orderId)
    })
  }

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
    const hearing = this.listen(record)
    let lookups = 0
    let settlement: Settlement = { outcome: 'unknown' }
    let by: SettledBy = 'none'
    try {
      for (let attempt = 0; !this.closed && hearing.orderId === undefined; attempt++) {
        const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)] ?? 1000
        if (Date.now() + delay - started > maxMs) break
        await this.sleep(delay, hearing.heard)
        if (this.closed || hearing.orderId !== undefined) break
        lookups++
        // A lookup still on its way when the stream speaks is left to finish unheeded.
        const result = await Promise.race([lookup(record), hearing.heard.then(() => undefined)])
        if (result === undefined) break
        if (result.kind === 'found') { settlement = { outcome: 'placed', orderId: result.orderId }; by = 'lookup'; break }
        if (result.kind === 'not-found' && provesAbsence(record, kucoinNow(record.market))) { settlement = { outcome: 'not-placed' }; by = 'lookup'; break }
      }
    } finally {
      hearing.stop()
    }
    if (by === 'none' && hearing.orderId !== undefined) {
      settlement = { outcome: 'placed', orderId: hearing.orderId }
      by = 'stream'
    }
    this.options.observe?.(settlement, (Date.now() - started) / 1000, lookups, by)
    return settlement
  }

  /** Whether the stream already named this record's order, and an ear for it from now on. */
  private listen (record: PlacementRecord): Hearing {
    const { watch } = this.options
    let wake = (): void => {}
    const hearing: Hearing = { orderId: watch?.confirmedOrderId(record.market, record.clientOid), heard: new Promise(resolve => { wake = resolve }), stop: () => {} }
    if (watch === undefined || hearing.orderId !== undefined) return hearing
    const id = `${record.market} ${record.clientOid}`
    const ear = (orderId: string): void => { hearing.orderId ??= orderId; wake() }
    const ears = this.ears.get(id) ?? new Set()
    this.ears.set(id, ears.add(ear))
    hearing.stop = () => {
      ears.delete(ear)
      if (ears.size === 0 && this.ears.get(id) === ears) this.ears.delete(id)
    }
    return hearing
  }

  /** Waits `ms`, or less if `until` settles first (or the settler closes). */
  private async sleep (ms: number, until: Promise<void>): Promise<void> {
    if (ms <= 0) return
    let wake = (): void => {}
    const entry = { timer: setTimeout(() => { wake() }, ms), wake: () => { wake() } }
    this.timers.add(entry)
    await Promise.race([until, new Promise<void>(resolve => { wake = resolve })])
    clearTimeout(entry.timer)
    this.timers.delete(entry)
  }

  /** Stops every settlement at its next step (they end unknown). */
  close (): void {
    this.closed = true
    this.unwatch?.()
    for (const { timer, wake } of this.timers) { clearTimeout(timer); wake() }
    this.timers.clear()
  }
}

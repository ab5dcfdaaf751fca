// One order book kept in step with KuCoin, pure: no sockets, no clock. It
// follows KuCoin's documented procedure (PROTOCOL §6.1 level2, §6.3 futures):
// deltas are buffered until a REST snapshot arrives; buffered deltas the
// snapshot already contains are dropped, the rest replayed; from then on a
// delta applies only if it continues the book's sequence. Anything else — a
// gap, a delta out of order, an upstream reconnect, a snapshot too old to be
// bridged by the buffer — is reported, never papered over: the book goes
// back to buffering and the shell (keeper.ts) fetches a new snapshot.
import { BookSide, type Level } from './side.js'

/** One change row: canonical price and absolute size (`"0"` removes), and the sequence of that change. */
export type Row = [price: string, size: string, sequence: number]

/** One upstream level2 message: spot carries a range, futures one sequence (start = end). */
export interface Delta {
  start: number
  end: number
  bids: Row[]
  asks: Row[]
  /** KuCoin's time of the change, ms. */
  time: number
}

export interface Snapshot {
  sequence: number
  bids: Level[]
  asks: Level[]
  /** KuCoin's time of the snapshot, ms. */
  time: number
  /** How many levels per side the endpoint returns at most (public top-100); undefined for a full book. */
  limit: number | undefined
}

export type ResyncCause = 'gap' | 'reconnect' | 'stale-snapshot' | 'overflow' | 'shallow' | 'cross-check'

export type SyncEvent =
  /** Applied: the book moved from `start - 1` to `end`; the rows are what changed within the known range. */
  | { kind: 'changes', start: number, end: number, bids: Level[], asks: Level[], time: number }
  /** The book is consistent at `sequence` (after a snapshot and the buffered deltas). */
  | { kind: 'synced', sequence: number }
  /** The book stopped being consistent (it was); `missed` sequences were skipped, when known. */
  | { kind: 'lost', cause: ResyncCause, missed: number }
  /** The snapshot could not be used; another is needed. */
  | { kind: 'retry', cause: ResyncCause }

export interface SyncCounters {
  /** Deltas the book already contained (KuCoin repeats, or overlap with a snapshot). */
  duplicates: number
  /** Buffered deltas dropped, oldest first, because the buffer was full while waiting for a snapshot. */
  overflowed: number
}

export class BookSync {
  state: 'buffering' | 'live' = 'buffering'
  /** Last sequence the book is consistent at (meaningful while live). */
  sequence = 0
  /** KuCoin's time of the last change applied. */
  time = 0
  readonly bids = new BookSide(true)
  readonly asks = new BookSide(false)
  readonly counters: SyncCounters = { duplicates: 0, overflowed: 0 }
  private buffer: Delta[] = []
  /** Levels per side right after the last partial snapshot; a side shrinking below half of it needs a fresh one. */
  private minKnown = { bids: 0, asks: 0 }

  constructor (private readonly maxBuffered: number) {}

  get buffered (): number {
    return this.buffer.length
  }

  delta (d: Delta): SyncEvent[] {
    if (this.state === 'buffering') {
      if (this.buffer.length >= this.maxBuffered) {
        this.buffer.shift()
        this.counters.overflowed++
      }
      this.buffer.push(d)
      return []
    }
    if (d.end <= this.sequence) {
      this.counters.duplicates++
      return []
    }
    if (d.start > this.sequence + 1) {
      const missed = d.start - this.sequence - 1
      this.state = 'buffering'
      this.buffer = [d]
      return [{ kind: 'lost', cause: 'gap', missed }]
    }
    const event = this.apply(d)
    const shallow = this.shallow()
    if (shallow) {
      this.state = 'buffering'
      this.buffer = []
      return [event, { kind: 'lost', cause: 'shallow', missed: 0 }]
    }
    return [event]
  }

  snapshot (s: Snapshot): SyncEvent[] {
    if (this.state === 'live') return []
    let i = 0
    while (i < this.buffer.length && this.buffer[i]!.end <= s.sequence) i++
    const pending = this.buffer.slice(i)
    if (pending.length > 0 && pending[0]!.start > s.sequence + 1) {
      // Older than everything buffered: the deltas in between are gone.
      this.buffer = pending
      return [{ kind: 'retry', cause: 'stale-snapshot' }]
    }
    this.install(s)
    for (let k = 0; k < pending.length; k++) {
      const d = pending[k]!
      if (d.end <= this.sequence) continue
      if (d.start > this.sequence + 1) {
        // A gap between buffered deltas: only a snapshot from after it can help.
        this.state = 'buffering'
        this.buffer = pending.slice(k)
        return [{ kind: 'retry', cause: 'gap' }]
      }
      this.apply(d)
    }
    this.buffer = []
    if (this.shallow()) {
      this.state = 'buffering'
      return [{ kind: 'retry', cause: 'shallow' }]
    }
    this.state = 'live'
    return [{ kind: 'synced', sequence: this.sequence }]
  }

  /**
   * KuCoin's own top of the book at a sequence (futures `level2Depth5` carries one):
   * when the book is at that very sequence its best levels must be the same, or
   * the book is wrong however consistent its sequence looked. Other sequences
   * cannot be compared and say nothing. Returns whether a comparison was made.
   */
  crossCheck (sequence: number, bids: Level[], asks: Level[]): { compared: boolean, events: SyncEvent[] } {
    if (this.state !== 'live' || sequence !== this.sequence) return { compared: false, events: [] }
    const same = (mine: Level[], theirs: Level[]): boolean => mine.length === theirs.length && mine.every((l, i) => l[0] === theirs[i]![0] && l[1] === theirs[i]![1])
    if (same(this.bids.top(bids.length), bids) && same(this.asks.top(asks.length), asks)) return { compared: true, events: [] }
    this.state = 'buffering'
    this.buffer = []
    return { compared: true, events: [{ kind: 'lost', cause: 'cross-check', missed: 0 }] }
  }

  /** The upstream connection dropped or was replaced: continuity is unknown. */
  reset (cause: ResyncCause): SyncEvent[] {
    if (this.state === 'buffering') return []
    this.state = 'buffering'
    this.buffer = []
    return [{ kind: 'lost', cause, missed: 0 }]
  }

  private install (s: Snapshot): void {
    this.bids.clear()
    this.asks.clear()
    for (const [price, size] of s.bids) this.bids.set(price, size)
    for (const [price, size] of s.asks) this.asks.set(price, size)
    // A partial snapshot that filled its limit may hide deeper levels.
    const partial = (levels: Level[]): boolean => s.limit !== undefined && levels.length >= s.limit
    this.bids.bound = partial(s.bids) ? Number(s.bids[s.bids.length - 1]![0]) : undefined
    this.asks.bound = partial(s.asks) ? Number(s.asks[s.asks.length - 1]![0]) : undefined
    this.minKnown = { bids: this.bids.bound === undefined ? 0 : Math.ceil(s.bids.length / 2), asks: this.asks.bound === undefined ? 0 : Math.ceil(s.asks.length / 2) }
    this.sequence = s.sequence
    this.time = s.time
  }

  /** Applies the rows newer than the book (PROTOCOL §6.1 step 3) and moves the book to `d.end`. */
  private apply (d: Delta): SyncEvent {
    const start = this.sequence + 1
    const bids = this.rows(this.bids, d.bids)
    const asks = this.rows(this.asks, d.asks)
    this.sequence = d.end
    this.time = d.time
    return { kind: 'changes', start, end: d.end, bids, asks, time: d.time }
  }

  private rows (side: BookSide, rows: Row[]): Level[] {
    const applied: Level[] = []
    for (const [price, size, sequence] of rows) {
      // Price 0 only advances the sequence (KuCoin's rule); a level outside the known range stays unknown.
      if (sequence <= this.sequence || price === '0' || !side.covers(price)) continue
      side.set(price, size)
      applied.push([price, size])
    }
    return applied
  }

  private shallow (): boolean {
    return (this.bids.bound !== undefined && this.bids.size < this.minKnown.bids) ||
      (this.asks.bound !== undefined && this.asks.size < this.minKnown.asks)
  }
}

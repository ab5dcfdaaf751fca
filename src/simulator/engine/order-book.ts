// One instrument's synthetic order book on an integer tick grid. Every level
// change bumps `sequence` and is reported to the sink, so a WebSocket feed can
// replay exactly the deltas between two REST snapshots.
import type { Rng } from './random.js'

export interface Level {
  /** Price in ticks (price / tick size). */
  ticks: number
  /** Size in integer units of the instrument's size increment. */
  size: number
}

export type BookSide = 'buy' | 'sell'

/** Called after each change; `size` 0 means the level was removed. */
export type ChangeSink = (side: BookSide, ticks: number, size: number, sequence: number) => void

// Levels kept per side, gaps filled near the top, and the widest gap in ticks.
const DEPTH = 120
const FILL = 25
const MAX_GAP = 3

export class OrderBook {
  /** Best (highest) first. */
  readonly bids: Level[] = []
  /** Best (lowest) first. */
  readonly asks: Level[] = []

  constructor (
    public sequence: number,
    private readonly meanSize: number,
    private readonly rng: Rng,
    private readonly sink: ChangeSink
  ) {}

  bestBid (): Level | undefined { return this.bids[0] }
  bestAsk (): Level | undefined { return this.asks[0] }

  /** Moves the book so the best bid is `mid` and the best ask `mid + 1`. */
  recenter (mid: number): void {
    while (this.bids[0] !== undefined && this.bids[0].ticks > mid) this.remove('buy', 0)
    while (this.asks[0] !== undefined && this.asks[0].ticks <= mid) this.remove('sell', 0)
    if (this.bids[0] === undefined || this.bids[0].ticks < mid) this.insert('buy', 0, mid)
    if (this.asks[0] === undefined || this.asks[0].ticks > mid + 1) this.insert('sell', 0, mid + 1)
    this.fillSide('buy')
    this.fillSide('sell')
  }

  /** Resizes a few levels near the top, as other participants would. */
  jitter (count: number): void {
    for (let i = 0; i < count; i++) {
      const side: BookSide = this.rng.next() < 0.5 ? 'buy' : 'sell'
      const levels = this.levels(side)
      const level = levels[this.rng.int(0, Math.min(FILL, levels.length) - 1)]
      if (level === undefined) continue
      level.size = this.randomSize()
      this.emit(side, level)
    }
  }

  /** Takes up to `size` from the best level of `side`; returns what was taken. */
  take (side: BookSide, size: number): number {
    const level = this.levels(side)[0]
    if (level === undefined) return 0
    const taken = Math.min(size, level.size)
    level.size -= taken
    if (level.size === 0) this.remove(side, 0)
    else this.emit(side, level)
    return taken
  }

  randomSize (): number {
    return Math.max(1, Math.round(-Math.log(1 - this.rng.next()) * this.meanSize))
  }

  private levels (side: BookSide): Level[] {
    return side === 'buy' ? this.bids : this.asks
  }

  private fillSide (side: BookSide): void {
    const levels = this.levels(side)
    const away = side === 'buy' ? -1 : 1
    for (let i = 0; i < Math.min(FILL, levels.length - 1); i++) {
      const gap = Math.abs(levels[i + 1]!.ticks - levels[i]!.ticks)
      if (gap > MAX_GAP) this.insert(side, i + 1, levels[i]!.ticks + away * this.rng.int(1, MAX_GAP))
    }
    while (levels.length < DEPTH) {
      const next = levels[levels.length - 1]!.ticks + away * this.rng.int(1, MAX_GAP)
      if (next <= 0) break
      this.insert(side, levels.length, next)
    }
    while (levels.length > DEPTH + 20) this.remove(side, levels.length - 1)
  }

  private insert (side: BookSide, index: number, ticks: number): void {
    const level = { ticks, size: this.randomSize() }
    this.levels(side).splice(index, 0, level)
    this.emit(side, level)
  }

  private remove (side: BookSide, index: number): void {
    const [level] = this.levels(side).splice(index, 1)
    if (level !== undefined) this.emit(side, { ticks: level.ticks, size: 0 })
  }

  private emit (side: BookSide, level: Level): void {
    this.sequence++
    this.sink(side, level.ticks, level.size, this.sequence)
  }
}

// One side of an order book: price → size, both canonical decimal strings,
// sorted best first only when someone reads it (and only again after a level
// was added or removed; a size change keeps the order). The value of each
// price as a number is kept for sorting: prices on one book differ by at
// least a tick, far above a double's resolution.

export type Level = [price: string, size: string]

interface Entry { price: string, value: number, size: string }

export class BookSide {
  private readonly levels = new Map<string, Entry>()
  private sorted: Entry[] | undefined
  /**
   * Where what this side holds is known to be complete: after a partial
   * snapshot (KuCoin's public top-100), a bid below the snapshot's lowest bid
   * (an ask above its highest ask) may exist upstream and never have changed
   * since, so it is not here. Undefined: the whole side is known.
   */
  bound: number | undefined

  constructor (readonly descending: boolean) {}

  get size (): number {
    return this.levels.size
  }

  clear (): void {
    this.levels.clear()
    this.sorted = undefined
    this.bound = undefined
  }

  /** Sets a level's absolute size; `"0"` removes it. */
  set (price: string, size: string): void {
    const entry = this.levels.get(price)
    if (size === '0') {
      if (entry !== undefined) {
        this.levels.delete(price)
        this.sorted = undefined
      }
    } else if (entry !== undefined) {
      entry.size = size
    } else {
      this.levels.set(price, { price, value: Number(price), size })
      this.sorted = undefined
    }
  }

  /** Whether a price lies where this side is known to be complete. */
  covers (price: string): boolean {
    if (this.bound === undefined) return true
    const value = Number(price)
    return this.descending ? value >= this.bound : value <= this.bound
  }

  /** The best `depth` levels within the known range, best first. */
  top (depth: number): Level[] {
    const out: Level[] = []
    for (const entry of this.order()) {
      if (out.length >= depth) break
      if (this.bound !== undefined && (this.descending ? entry.value < this.bound : entry.value > this.bound)) break
      out.push([entry.price, entry.size])
    }
    return out
  }

  /** Levels within the known range. */
  known (): number {
    return this.bound === undefined ? this.levels.size : this.top(Infinity).length
  }

  private order (): Entry[] {
    if (this.sorted === undefined) {
      this.sorted = [...this.levels.values()].sort(this.descending ? (a, b) => b.value - a.value : (a, b) => a.value - b.value)
    }
    return this.sorted
  }
}

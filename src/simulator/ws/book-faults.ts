// Scripted faults of the level2 delta topics (`/market/level2`,
// `/contractMarket/level2`), the ways KuCoin's feed is known to go wrong for
// a book keeper: messages dropped (kucoin-api-docs issue 44: slow links lose
// messages), repeated, or delivered out of order. Seeded, so a failing run
// can be replayed.

export interface Level2Faults {
  /** Probability that a message is not sent. */
  drop?: number
  /** Probability that a message is sent twice. */
  duplicate?: number
  /** Probability that a message is held back and sent after the next one. */
  reorder?: number
  /** Seed of the fault dice; default 1. */
  seed?: number
}

export interface FaultCounts { dropped: number, duplicated: number, reordered: number }

export class BookFaults {
  readonly counts: FaultCounts = { dropped: 0, duplicated: 0, reordered: 0 }
  private readonly rules = new Map<string, Required<Level2Faults>>()
  private readonly held = new Map<string, Buffer>()
  private seed = 1

  /** Faults for one symbol-topic, e.g. `/market/level2:BTC-USDT`; undefined clears them. */
  set (topic: string, faults: Level2Faults | undefined): void {
    if (faults === undefined) {
      this.rules.delete(topic)
      return
    }
    this.seed = faults.seed ?? 1
    this.rules.set(topic, { drop: faults.drop ?? 0, duplicate: faults.duplicate ?? 0, reorder: faults.reorder ?? 0, seed: this.seed })
  }

  /** What to actually send for one message of `topic`: nothing, it, it twice, or it then the one held back. */
  apply (topic: string, frame: Buffer): Buffer[] {
    const rule = this.rules.get(topic)
    const held = this.held.get(topic)
    if (held !== undefined) this.held.delete(topic)
    const after = held === undefined ? [] : [held]
    if (rule === undefined) return [frame, ...after]
    const roll = this.next()
    if (roll < rule.drop) {
      this.counts.dropped++
      return after
    }
    if (roll < rule.drop + rule.duplicate) {
      this.counts.duplicated++
      return [frame, frame, ...after]
    }
    if (roll < rule.drop + rule.duplicate + rule.reorder && held === undefined) {
      this.counts.reordered++
      this.held.set(topic, frame)
      return []
    }
    return [frame, ...after]
  }

  private next (): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648
    return this.seed / 2147483648
  }
}

// The true order book at any recent sequence, for tests that check a
// consumer's book against the simulator's (PROTOCOL §6.1/§6.3: a book is
// its levels at a sequence). Recording starts per instrument on request:
// the book as it is then, plus every later change, bounded.
import type { InstrumentState, SyntheticMarket } from './market.js'
import { priceText, sizeText } from './quote-format.js'

export interface TrueBook {
  sequence: number
  /** Best first, as KuCoin's wire texts: spot sizes in base units, futures sizes in lots. */
  bids: Array<[string, string]>
  asks: Array<[string, string]>
}

interface Recording {
  state: InstrumentState
  base: { sequence: number, bids: Map<number, number>, asks: Map<number, number> }
  changes: Array<{ sequence: number, buy: boolean, ticks: number, size: number }>
}

const MAX_CHANGES = 500_000

export class BookHistory {
  private readonly recordings = new Map<string, Recording>()
  private detach: (() => void) | undefined

  constructor (private readonly market: SyntheticMarket) {}

  /** Starts keeping the history of one instrument (no-op when it already is); false for an unknown symbol. */
  record (kind: 'spot' | 'futures', symbol: string): boolean {
    const key = `${kind}:${symbol}`
    if (this.recordings.has(key)) return true
    const state = (kind === 'spot' ? this.market.spot : this.market.futures).get(symbol)
    if (state === undefined) return false
    const levels = (side: typeof state.book.bids): Map<number, number> => new Map(side.map(l => [l.ticks, l.size]))
    this.recordings.set(key, { state, base: { sequence: state.book.sequence, bids: levels(state.book.bids), asks: levels(state.book.asks) }, changes: [] })
    this.detach ??= this.market.onChange(change => {
      const recording = this.recordings.get(`${change.instrument.kind}:${change.instrument.symbol}`)
      if (recording === undefined) return
      recording.changes.push({ sequence: change.sequence, buy: change.side === 'buy', ticks: change.ticks, size: change.size })
      if (recording.changes.length > MAX_CHANGES) this.rebase(recording, recording.changes.length - MAX_CHANGES)
    })
    return true
  }

  /** The true book at `sequence`, or undefined when it is outside the recorded history. */
  at (kind: 'spot' | 'futures', symbol: string, sequence: number): TrueBook | undefined {
    const recording = this.recordings.get(`${kind}:${symbol}`)
    if (recording === undefined || sequence < recording.base.sequence) return undefined
    const last = recording.changes[recording.changes.length - 1]?.sequence ?? recording.base.sequence
    if (sequence > last) return undefined
    const bids = new Map(recording.base.bids)
    const asks = new Map(recording.base.asks)
    for (const c of recording.changes) {
      if (c.sequence > sequence) break
      const side = c.buy ? bids : asks
      if (c.size === 0) side.delete(c.ticks)
      else side.set(c.ticks, c.size)
    }
    const { state } = recording
    const size = (units: number): string => state.instrument.kind === 'spot' ? sizeText(state, units) : String(units)
    const rows = (side: Map<number, number>, descending: boolean): Array<[string, string]> =>
      [...side].sort((a, b) => descending ? b[0] - a[0] : a[0] - b[0]).map(([ticks, units]) => [priceText(state, ticks), size(units)])
    return { sequence, bids: rows(bids, true), asks: rows(asks, false) }
  }

  /** Drops the oldest `n` changes into the base. */
  private rebase (recording: Recording, n: number): void {
    for (const c of recording.changes.splice(0, n)) {
      const side = c.buy ? recording.base.bids : recording.base.asks
      if (c.size === 0) side.delete(c.ticks)
      else side.set(c.ticks, c.size)
      recording.base.sequence = c.sequence
    }
  }

  close (): void {
    this.detach?.()
    this.detach = undefined
    this.recordings.clear()
  }
}

// Converting an instrument's integer ticks and size units into KuCoin's wire
// forms: decimal strings on spot, numbers for most futures fields.
import { fmt, round } from './decimal.js'
import type { InstrumentState } from './market.js'
import type { Level } from './order-book.js'

export function priceText (state: InstrumentState, ticks: number): string {
  return fmt(ticks * state.tick, state.instrument.priceDecimals)
}

export function sizeText (state: InstrumentState, units: number): string {
  return fmt(units / state.sizeUnit, state.instrument.sizeDecimals)
}

export function priceNumber (state: InstrumentState, ticks: number): number {
  return round(ticks * state.tick, state.instrument.priceDecimals)
}

/** Spot book rows: `[["price","size"], ...]`. */
export function textLevels (state: InstrumentState, levels: readonly Level[], depth: number): string[][] {
  const rows: string[][] = []
  for (let i = 0; i < Math.min(depth, levels.length); i++) {
    const level = levels[i]!
    rows.push([priceText(state, level.ticks), sizeText(state, level.size)])
  }
  return rows
}

/** Futures book rows: `[[price, size], ...]` as numbers. */
export function numberLevels (state: InstrumentState, levels: readonly Level[], depth: number): number[][] {
  const rows: number[][] = []
  for (let i = 0; i < Math.min(depth, levels.length); i++) {
    const level = levels[i]!
    rows.push([priceNumber(state, level.ticks), level.size])
  }
  return rows
}

/** KuCoin's nanosecond timestamps from simulator milliseconds. */
export function nanos (ms: number): number {
  return ms * 1_000_000
}

/** Best price a market order of `side` would trade at, in price units. */
export function takerPrice (state: InstrumentState, side: 'buy' | 'sell'): number | undefined {
  const level = side === 'buy' ? state.book.bestAsk() : state.book.bestBid()
  return level === undefined ? undefined : priceNumber(state, level.ticks)
}

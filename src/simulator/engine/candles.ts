// Candles and 24 h statistics derived from an instrument's price path, so
// history is stable across calls and ends at the live last price.
import type { InstrumentState, SyntheticMarket } from './market.js'
import { hashString, hashUnit } from './random.js'

export interface Candle {
  /** Bucket start, ms. */
  start: number
  open: number
  close: number
  high: number
  low: number
  /** Base volume (spot) or lots (futures). */
  volume: number
  turnover: number
}

export interface DayStats {
  open: number
  high: number
  low: number
  last: number
  volume: number
  turnover: number
}

export const MAX_CANDLES = 1500
const DAY_MS = 86_400_000

/** Deterministic base volume for a period, scaled to the instrument's book size. */
function volumeFor (state: InstrumentState, start: number, ms: number): number {
  const perMinute = state.instrument.levelSize * 4 * (0.3 + 1.4 * hashUnit(hashString(state.instrument.symbol), Math.floor(start / 60000)))
  return perMinute * ms / 60000
}

/** One bucket; the bucket containing `now` closes at the live last price. */
export function candleAt (market: SyntheticMarket, state: InstrumentState, start: number, intervalMs: number, now: number): Candle {
  const open = market.fairPrice(state, start)
  const live = start + intervalMs > now
  const close = live ? market.lastPrice(state) : market.fairPrice(state, start + intervalMs)
  let high = Math.max(open, close)
  let low = Math.min(open, close)
  const end = live ? now : start + intervalMs
  for (let i = 1; i < 8; i++) {
    const p = market.fairPrice(state, start + (end - start) * i / 8)
    if (p > high) high = p
    if (p < low) low = p
  }
  const volume = volumeFor(state, start, end - start)
  return { start, open, close, high, low, volume, turnover: volume * (open + close) / 2 }
}

/** Buckets overlapping [from, to] (ms), newest first, at most MAX_CANDLES, none in the future. */
export function candles (market: SyntheticMarket, state: InstrumentState, intervalMs: number, from: number, to: number, now: number): Candle[] {
  const last = Math.floor(Math.min(to, now) / intervalMs) * intervalMs
  const first = Math.max(Math.floor(from / intervalMs) * intervalMs, last - (MAX_CANDLES - 1) * intervalMs)
  const rows: Candle[] = []
  for (let start = last; start >= first; start -= intervalMs) rows.push(candleAt(market, state, start, intervalMs, now))
  return rows
}

/** Rolling 24 h statistics ending now. */
export function dayStats (market: SyntheticMarket, state: InstrumentState, now: number): DayStats {
  const open = market.fairPrice(state, now - DAY_MS)
  const last = market.lastPrice(state)
  let high = Math.max(open, last)
  let low = Math.min(open, last)
  for (let i = 1; i < 96; i++) {
    const p = market.fairPrice(state, now - DAY_MS + DAY_MS * i / 96)
    if (p > high) high = p
    if (p < low) low = p
  }
  const volume = volumeFor(state, Math.floor(now / DAY_MS) * DAY_MS, DAY_MS)
  return { open, high, low, last, volume, turnover: volume * (open + last) / 2 }
}

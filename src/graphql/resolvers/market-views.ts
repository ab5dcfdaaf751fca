// KuCoin's public market-data shapes → the schema's, for both markets. Spot
// sends amounts as strings and candle times in seconds; futures sends most
// amounts as numbers and times in ms or ns. Shapes are per the official spec.
import type { Market } from '../../kucoin/catalog.js'
import { dec, fromMillis, fromNanos, fromSeconds, list, need, side, text, type Json } from '../convert.js'
import type { BookLevel, Candle, OrderBook, ServiceStatus, Trade } from '../schema-types.generated.js'

export function serviceStatus (data: Json): ServiceStatus {
  return { status: text(data.status) ?? '', message: text(data.msg) ?? '' }
}

function levels (rows: unknown, market: Market): BookLevel[] {
  return list(rows, market).map(row => {
    const [price, size] = row as unknown[]
    return { price: need(dec(price), market, 'a book price'), size: need(dec(size), market, 'a book size') }
  })
}

/** Spot REST books carry `time` (ms); futures REST books `ts` (ns); streamed books `timestamp` (ms). */
export function orderBook (data: Json, symbol: string, market: Market): OrderBook {
  const time = fromMillis(data.time ?? data.timestamp) ?? fromNanos(data.ts)
  return {
    symbol,
    sequence: text(data.sequence),
    time: need(time, market, 'the book time'),
    bids: levels(data.bids, market),
    asks: levels(data.asks, market)
  }
}

interface CandleFields { open: unknown, close: unknown, high: unknown, low: unknown, volume: unknown, turnover: unknown }

function candle (market: Market, time: number | null, f: CandleFields): Candle {
  return {
    time: need(time, market, 'a candle time'),
    open: need(dec(f.open), market, 'a candle open'),
    close: need(dec(f.close), market, 'a candle close'),
    high: need(dec(f.high), market, 'a candle high'),
    low: need(dec(f.low), market, 'a candle low'),
    volume: need(dec(f.volume), market, 'a candle volume'),
    turnover: dec(f.turnover)
  }
}

/** Spot rows: [start s, open, close, high, low, volume, turnover]. */
export function spotCandle (row: unknown): Candle {
  const [time, open, close, high, low, volume, turnover] = list(row, 'spot')
  return candle('spot', fromSeconds(time), { open, close, high, low, volume, turnover })
}

/** Futures rows: [start ms, open, high, low, close, volume, turnover?]. The column order differs from spot. */
export function futuresCandle (row: unknown): Candle {
  const [time, open, high, low, close, volume, turnover] = list(row, 'futures')
  return candle('futures', fromMillis(time), { open, close, high, low, volume, turnover })
}

/** A trade from REST history or a match/execution push; times are nanoseconds. */
export function trade (data: Json, market: Market): Trade {
  return {
    sequence: need(text(data.sequence), market, 'a trade sequence'),
    tradeId: text(data.tradeId),
    price: need(dec(data.price), market, 'a trade price'),
    size: need(dec(data.size), market, 'a trade size'),
    side: side(data.side, market),
    time: need(fromNanos(data.time ?? data.ts), market, 'a trade time')
  }
}

/** Newest first: by time, then by sequence (numeric strings of any length). */
export function newestFirst (trades: Trade[]): Trade[] {
  const bySequence = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
  return trades.sort((a, b) => b.time - a.time || bySequence(b.sequence, a.sequence))
}

// Futures public push messages (PROTOCOL §6.3), shaped like the official
// spec's examples: prices as strings in tickers and books, sizes (lots) as
// numbers, `sn` at the top level, nanosecond `ts`.
import { candleAt, dayStats } from '../engine/candles.js'
import { fmt, round } from '../engine/decimal.js'
import { contractValue } from '../engine/futures-account.js'
import type { FuturesContract } from '../engine/instruments.js'
import type { BookChange, InstrumentState, SyntheticMarket, Trade } from '../engine/market.js'
import type { Level } from '../engine/order-book.js'
import { nanos, priceText } from '../engine/quote-format.js'
import { fundingRate } from '../engine/reference-data.js'
import { CANDLE_MS } from './topics.js'

type Contract = InstrumentState<FuturesContract>
type Message = Record<string, unknown>

const message = (topic: string, subject: string, sn: number | undefined, data: unknown): Message =>
  sn === undefined ? { type: 'message', topic, subject, data } : { type: 'message', topic, subject, sn, data }

function bbo (state: Contract): { bestBidSize: number, bestBidPrice: string, bestAskPrice: string, bestAskSize: number } {
  const { book } = state
  return {
    bestBidSize: book.bestBid()?.size ?? 0,
    bestBidPrice: priceText(state, book.bestBid()?.ticks ?? 0),
    bestAskPrice: priceText(state, book.bestAsk()?.ticks ?? 0),
    bestAskSize: book.bestAsk()?.size ?? 0
  }
}

export function futuresTickerV2 (state: Contract, topic: string): Message {
  const sequence = state.book.sequence
  return message(topic, 'tickerV2', sequence, { symbol: state.instrument.symbol, sequence, ...bbo(state), ts: nanos(state.time) })
}

/** The v1 ticker: BBO plus the last trade; its sequence is the trade sequence, as in REST `/api/v1/ticker`. */
export function futuresTicker (state: Contract, topic: string): Message {
  const last = state.tape[state.tape.length - 1]
  const b = bbo(state)
  return message(topic, 'ticker', state.tradeSequence, {
    symbol: state.instrument.symbol,
    sequence: state.tradeSequence,
    side: last?.side ?? 'buy',
    size: last?.size ?? 0,
    price: priceText(state, last?.ticks ?? 0),
    bestBidSize: b.bestBidSize,
    bestBidPrice: b.bestBidPrice,
    bestAskPrice: b.bestAskPrice,
    tradeId: last?.tradeId ?? '0',
    bestAskSize: b.bestAskSize,
    ts: nanos(state.time)
  })
}

/** `/contractMarket/level2`: one change per message, `"price,side,size"`, strictly consecutive `sequence`. */
export function futuresLevel2 (state: Contract, topic: string, change: BookChange): Message {
  return message(topic, 'level2', change.sequence, {
    sequence: change.sequence,
    change: `${priceText(state, change.ticks)},${change.side},${change.size}`,
    timestamp: change.time
  })
}

const rows = (state: Contract, levels: readonly Level[], depth: number): Array<[string, number]> =>
  levels.slice(0, depth).map(level => [priceText(state, level.ticks), level.size])

/** `/contractMarket/level2Depth5` and `Depth50`. */
export function futuresDepth (state: Contract, topic: string, depth: number): Message {
  return message(topic, 'level2', state.time, {
    bids: rows(state, state.book.bids, depth),
    sequence: state.book.sequence,
    timestamp: state.time,
    ts: state.time,
    asks: rows(state, state.book.asks, depth)
  })
}

export function futuresExecution (state: Contract, topic: string, trade: Trade): Message {
  return message(topic, 'match', trade.sequence, {
    symbol: state.instrument.symbol,
    sequence: trade.sequence,
    side: trade.side,
    size: trade.size,
    price: priceText(state, trade.ticks),
    takerOrderId: trade.takerOrderId,
    makerOrderId: trade.makerOrderId,
    tradeId: trade.tradeId,
    ts: nanos(trade.time)
  })
}

/** `/contractMarket/limitCandle:{symbol}_{type}`: `[start s, open, close, high, low, volume (lots), turnover]`, all strings. */
export function futuresCandle (market: SyntheticMarket, state: Contract, topic: string, type: string, now: number): Message {
  const ms = CANDLE_MS.get(type) ?? 60_000
  const c = candleAt(market, state, Math.floor(now / ms) * ms, ms, now)
  const p = state.instrument.priceDecimals
  const lots = Math.round(c.volume)
  const turnover = contractValue(state.instrument, lots, (c.open + c.close) / 2)
  return {
    topic,
    type: 'message',
    data: {
      symbol: state.instrument.symbol,
      candles: [String(c.start / 1000), fmt(c.open, p), fmt(c.close, p), fmt(c.high, p), fmt(c.low, p), String(lots), fmt(turnover, 8)],
      time: now
    },
    subject: 'candle.stick'
  }
}

/** `/contract/instrument` subject mark.index.price, valued as REST `/api/v1/mark-price/{symbol}/current`. */
export function futuresMarkIndex (market: SyntheticMarket, state: Contract, topic: string, now: number): Message {
  const mark = market.fairPrice(state, now)
  return message(topic, 'mark.index.price', undefined, {
    markPrice: round(mark, state.instrument.priceDecimals),
    indexPrice: round(mark / state.path.at(now), 2),
    granularity: 1000,
    timestamp: Math.floor(now / 1000) * 1000
  })
}

/** `/contract/instrument` subject funding.rate. */
export function futuresFundingRate (state: Contract, topic: string, now: number): Message {
  return message(topic, 'funding.rate', undefined, { granularity: 60000, fundingRate: fundingRate(state, now).predicted, timestamp: now })
}

/** `/contractMarket/snapshot:{symbol}`, subject snapshot.24h; `id` is a message id, here the time in hex. */
export function futuresSnapshot (market: SyntheticMarket, state: Contract, topic: string, now: number): Message {
  const day = dayStats(market, state, now)
  const p = state.instrument.priceDecimals
  const lots = Math.round(day.volume)
  return {
    topic,
    type: 'message',
    subject: 'snapshot.24h',
    id: now.toString(16).padStart(24, '0'),
    data: {
      highPrice: round(day.high, p),
      lastPrice: round(day.last, p),
      lowPrice: round(day.low, p),
      price24HoursBefore: round(day.open, p),
      priceChg: round(day.last - day.open, p),
      priceChgPct: round((day.last - day.open) / day.open, 4),
      symbol: state.instrument.symbol,
      ts: nanos(now),
      turnover: round(contractValue(state.instrument, lots, (day.open + day.last) / 2), 8),
      volume: lots
    }
  }
}

// Spot public push messages (PROTOCOL §6.1), shaped like the official spec's
// `x-response-example`s: decimal strings everywhere except the snapshot,
// whose nested `data` uses numbers.
import { candleAt, dayStats } from '../engine/candles.js'
import { fmt, round } from '../engine/decimal.js'
import type { SpotPair } from '../engine/instruments.js'
import type { BookChange, InstrumentState, SyntheticMarket, Trade } from '../engine/market.js'
import { nanos, priceText, sizeText, textLevels } from '../engine/quote-format.js'
import { CANDLE_MS } from './topics.js'

type Spot = InstrumentState<SpotPair>
type Message = Record<string, unknown>

const message = (topic: string, subject: string, data: unknown): Message => ({ type: 'message', topic, subject, data })

function top (state: Spot): { bestAsk: string, bestAskSize: string, bestBid: string, bestBidSize: string, price: string, size: string } {
  const { book } = state
  const last = state.tape[state.tape.length - 1]
  return {
    bestAsk: priceText(state, book.bestAsk()?.ticks ?? 0),
    bestAskSize: sizeText(state, book.bestAsk()?.size ?? 0),
    bestBid: priceText(state, book.bestBid()?.ticks ?? 0),
    bestBidSize: sizeText(state, book.bestBid()?.size ?? 0),
    price: priceText(state, last?.ticks ?? 0),
    size: sizeText(state, last?.size ?? 0)
  }
}

/** `/market/ticker:{symbol}`. The spec example spells `Time`; live KuCoin and the legacy docs send `time`. */
export function spotTicker (state: Spot, topic: string): Message {
  const t = top(state)
  return message(topic, 'trade.ticker', {
    sequence: String(state.book.sequence),
    price: t.price,
    size: t.size,
    bestAsk: t.bestAsk,
    bestAskSize: t.bestAskSize,
    bestBid: t.bestBid,
    bestBidSize: t.bestBidSize,
    time: state.time
  })
}

/** One symbol's message on `/market/ticker:all`: the symbol is the subject. */
export function spotTickerAll (state: Spot): Message {
  return { topic: '/market/ticker:all', type: 'message', subject: state.instrument.symbol, data: { ...top(state), sequence: String(state.book.sequence), time: state.time } }
}

export function spotLevel1 (state: Spot, topic: string): Message {
  const t = top(state)
  return message(topic, 'level1', { asks: [t.bestAsk, t.bestAskSize], bids: [t.bestBid, t.bestBidSize], timestamp: state.time })
}

/** `/spotMarket/level2Depth5` and `Depth50`. */
export function spotDepth (state: Spot, topic: string, depth: number): Message {
  return message(topic, 'level2', { asks: textLevels(state, state.book.asks, depth), bids: textLevels(state, state.book.bids, depth), timestamp: state.time })
}

/** `/market/level2`: consecutive book changes, rows `[price, size, sequence]`, sizes absolute (0 removes). */
export function spotL2Update (state: Spot, topic: string, changes: readonly BookChange[]): Message {
  const asks: string[][] = []
  const bids: string[][] = []
  for (const c of changes) (c.side === 'sell' ? asks : bids).push([priceText(state, c.ticks), sizeText(state, c.size), String(c.sequence)])
  return message(topic, 'trade.l2update', {
    changes: { asks, bids },
    sequenceEnd: changes[changes.length - 1]?.sequence ?? state.book.sequence,
    sequenceStart: changes[0]?.sequence ?? state.book.sequence,
    symbol: state.instrument.symbol,
    time: changes[changes.length - 1]?.time ?? state.time
  })
}

export function spotMatch (state: Spot, topic: string, trade: Trade): Message {
  return message(topic, 'trade.l3match', {
    makerOrderId: trade.makerOrderId,
    price: priceText(state, trade.ticks),
    sequence: String(trade.sequence),
    side: trade.side,
    size: sizeText(state, trade.size),
    symbol: state.instrument.symbol,
    takerOrderId: trade.takerOrderId,
    time: String(nanos(trade.time)),
    tradeId: trade.tradeId,
    type: 'match'
  })
}

/** `/market/candles:{symbol}_{type}`: the live bucket, `[start s, open, close, high, low, volume, turnover]`. */
export function spotCandle (market: SyntheticMarket, state: Spot, topic: string, type: string, now: number): Message {
  const ms = CANDLE_MS.get(type) ?? 60_000
  const c = candleAt(market, state, Math.floor(now / ms) * ms, ms, now)
  const p = state.instrument.priceDecimals
  return message(topic, 'trade.candles.update', {
    symbol: state.instrument.symbol,
    candles: [String(c.start / 1000), fmt(c.open, p), fmt(c.close, p), fmt(c.high, p), fmt(c.low, p), fmt(c.volume, state.instrument.sizeDecimals), fmt(c.turnover, 8)],
    time: nanos(now)
  })
}

function change (market: SyntheticMarket, state: Spot, now: number, ms: number): Record<string, number> {
  const c = candleAt(market, state, now - ms, ms, now)
  const p = state.instrument.priceDecimals
  return {
    changePrice: round(c.close - c.open, p),
    changeRate: round((c.close - c.open) / c.open, 4),
    high: round(c.high, p),
    low: round(c.low, p),
    open: round(c.open, p),
    vol: round(c.volume, state.instrument.sizeDecimals),
    volValue: round(c.turnover, 8)
  }
}

/** `/market/snapshot:{symbol}` (also sent per symbol for `/market/snapshot:{market}`, keeping that topic). */
export function spotSnapshot (market: SyntheticMarket, state: Spot, topic: string, now: number): Message {
  const pair = state.instrument
  const p = pair.priceDecimals
  const day = dayStats(market, state, now)
  const { book } = state
  const last = round(day.last, p)
  return message(topic, 'trade.snapshot', {
    sequence: String(book.sequence),
    data: {
      askSize: round((book.bestAsk()?.size ?? 0) / state.sizeUnit, pair.sizeDecimals),
      averagePrice: round((day.high + day.low) / 2, 8),
      baseCurrency: pair.base,
      bidSize: round((book.bestBid()?.size ?? 0) / state.sizeUnit, pair.sizeDecimals),
      board: 1,
      buy: round((book.bestBid()?.ticks ?? 0) * state.tick, p),
      changePrice: round(day.last - day.open, p),
      changeRate: round((day.last - day.open) / day.open, 4),
      close: last,
      datetime: now,
      high: round(day.high, p),
      lastTradedPrice: last,
      low: round(day.low, p),
      makerCoefficient: 1,
      makerFeeRate: 0.001,
      marginTrade: true,
      mark: 0,
      market: pair.marketTag,
      marketChange1h: change(market, state, now, 3_600_000),
      marketChange24h: { ...change(market, state, now, 86_400_000), changePrice: round(day.last - day.open, p), high: round(day.high, p), low: round(day.low, p), open: round(day.open, p) },
      marketChange4h: change(market, state, now, 14_400_000),
      markets: [pair.marketTag],
      open: round(day.open, p),
      quoteCurrency: pair.quote,
      sell: round((book.bestAsk()?.ticks ?? 0) * state.tick, p),
      siteTypes: ['global'],
      sort: 100,
      symbol: pair.symbol,
      symbolCode: pair.symbol,
      takerCoefficient: 1,
      takerFeeRate: 0.001,
      trading: true,
      vol: round(day.volume, pair.sizeDecimals),
      volValue: round(day.turnover, 8)
    }
  })
}

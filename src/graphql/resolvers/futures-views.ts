// KuCoin's futures market-data shapes → the schema's.
import { bool, dec, fromMillis, fromNanos, need, num, side, text, type Json } from '../convert.js'
import type { FundingRate, FuturesContract, FuturesTicker, MarkPrice } from '../schema-types.generated.js'

const m = 'futures'

export function futuresContract (data: Json): FuturesContract {
  return {
    symbol: need(text(data.symbol), m, 'the symbol'),
    rootSymbol: text(data.rootSymbol),
    type: text(data.type),
    baseCurrency: need(text(data.baseCurrency), m, 'baseCurrency'),
    quoteCurrency: need(text(data.quoteCurrency), m, 'quoteCurrency'),
    settleCurrency: need(text(data.settleCurrency), m, 'settleCurrency'),
    status: text(data.status),
    multiplier: need(dec(data.multiplier), m, 'multiplier'),
    lotSize: dec(data.lotSize),
    tickSize: need(dec(data.tickSize), m, 'tickSize'),
    maxOrderQty: dec(data.maxOrderQty),
    maxPrice: dec(data.maxPrice),
    maxLeverage: num(data.maxLeverage),
    initialMargin: dec(data.initialMargin),
    maintainMargin: dec(data.maintainMargin),
    makerFeeRate: dec(data.makerFeeRate),
    takerFeeRate: dec(data.takerFeeRate),
    isInverse: bool(data.isInverse) ?? false,
    isQuanto: bool(data.isQuanto),
    markPrice: dec(data.markPrice),
    indexPrice: dec(data.indexPrice),
    lastTradePrice: dec(data.lastTradePrice),
    fundingFeeRate: dec(data.fundingFeeRate),
    predictedFundingFeeRate: dec(data.predictedFundingFeeRate),
    nextFundingInMs: num(data.nextFundingRateTime),
    openInterest: dec(data.openInterest),
    volume24h: dec(data.volumeOf24h),
    turnover24h: dec(data.turnoverOf24h),
    high24h: dec(data.highPrice),
    low24h: dec(data.lowPrice),
    priceChange24h: dec(data.priceChg),
    priceChangeRate24h: dec(data.priceChgPct)
  }
}

/** REST `/api/v1/ticker` and `allTickers`, and the `/contractMarket/ticker` push: `ts` in ns. */
export function futuresTicker (data: Json): FuturesTicker {
  return {
    symbol: need(text(data.symbol), m, 'the symbol'),
    sequence: need(text(data.sequence), m, 'the ticker sequence'),
    price: need(dec(data.price), m, 'the last price'),
    size: need(dec(data.size), m, 'the last size'),
    side: data.side === undefined || data.side === null ? null : side(data.side, m),
    tradeId: text(data.tradeId),
    bestBid: need(dec(data.bestBidPrice), m, 'the best bid'),
    bestBidSize: need(dec(data.bestBidSize), m, 'the best bid size'),
    bestAsk: need(dec(data.bestAskPrice), m, 'the best ask'),
    bestAskSize: need(dec(data.bestAskSize), m, 'the best ask size'),
    time: need(fromNanos(data.ts), m, 'the ticker time')
  }
}

export function markPrice (data: Json, symbol: string): MarkPrice {
  return {
    symbol,
    markPrice: need(dec(data.value), m, 'the mark price'),
    indexPrice: need(dec(data.indexPrice), m, 'the index price'),
    time: need(fromMillis(data.timePoint), m, 'the mark price time')
  }
}

export function fundingRate (data: Json, symbol: string): FundingRate {
  return {
    symbol,
    rateSymbol: text(data.symbol) ?? '',
    rate: need(dec(data.value), m, 'the funding rate'),
    predictedRate: dec(data.predictedValue),
    cap: dec(data.fundingRateCap),
    floor: dec(data.fundingRateFloor),
    time: need(fromMillis(data.timePoint), m, 'the funding time'),
    nextFundingTime: fromMillis(data.fundingTime)
  }
}

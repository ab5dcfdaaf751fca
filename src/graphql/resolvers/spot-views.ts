// KuCoin's spot market-data shapes → the schema's.
import { bool, dec, fromMillis, list, need, num, text, type Json } from '../convert.js'
import type { Currency, CurrencyChain, SpotStats, SpotSymbol, SpotTicker } from '../schema-types.generated.js'

const m = 'spot'

export function spotSymbol (data: Json): SpotSymbol {
  return {
    symbol: need(text(data.symbol), m, 'the symbol'),
    name: text(data.name) ?? text(data.symbol) ?? '',
    baseCurrency: need(text(data.baseCurrency), m, 'baseCurrency'),
    quoteCurrency: need(text(data.quoteCurrency), m, 'quoteCurrency'),
    feeCurrency: text(data.feeCurrency) ?? text(data.quoteCurrency) ?? '',
    market: text(data.market) ?? '',
    baseMinSize: need(dec(data.baseMinSize), m, 'baseMinSize'),
    quoteMinSize: need(dec(data.quoteMinSize), m, 'quoteMinSize'),
    baseMaxSize: dec(data.baseMaxSize),
    quoteMaxSize: dec(data.quoteMaxSize),
    baseIncrement: need(dec(data.baseIncrement), m, 'baseIncrement'),
    quoteIncrement: dec(data.quoteIncrement),
    priceIncrement: need(dec(data.priceIncrement), m, 'priceIncrement'),
    priceLimitRate: dec(data.priceLimitRate),
    minFunds: dec(data.minFunds),
    isMarginEnabled: bool(data.isMarginEnabled),
    enableTrading: bool(data.enableTrading) ?? false
  }
}

/** `GET /api/v1/market/orderbook/level1`; the symbol is not in KuCoin's answer. */
export function spotTicker (data: Json, symbol: string): SpotTicker {
  return {
    symbol,
    sequence: need(text(data.sequence), m, 'the ticker sequence'),
    price: need(dec(data.price), m, 'the last price'),
    size: need(dec(data.size), m, 'the last size'),
    bestBid: need(dec(data.bestBid), m, 'the best bid'),
    bestBidSize: need(dec(data.bestBidSize), m, 'the best bid size'),
    bestAsk: need(dec(data.bestAsk), m, 'the best ask'),
    bestAskSize: need(dec(data.bestAskSize), m, 'the best ask size'),
    time: need(fromMillis(data.time ?? data.Time), m, 'the ticker time')
  }
}

/** An `allTickers` entry (with the list's time) or `GET /api/v1/market/stats`. */
export function spotStats (data: Json, time: unknown): SpotStats {
  return {
    symbol: need(text(data.symbol), m, 'the symbol'),
    time: need(fromMillis(time), m, 'the statistics time'),
    bestBid: dec(data.buy),
    bestAsk: dec(data.sell),
    last: dec(data.last),
    changeRate: dec(data.changeRate),
    changePrice: dec(data.changePrice),
    high: dec(data.high),
    low: dec(data.low),
    volume: dec(data.vol),
    volumeValue: dec(data.volValue),
    averagePrice: dec(data.averagePrice),
    takerFeeRate: dec(data.takerFeeRate),
    makerFeeRate: dec(data.makerFeeRate)
  }
}

function chain (data: Json): CurrencyChain {
  return {
    chainName: text(data.chainName) ?? '',
    chainId: text(data.chainId) ?? '',
    withdrawalMinSize: dec(data.withdrawalMinSize),
    withdrawalMinFee: dec(data.withdrawalMinFee),
    depositMinSize: dec(data.depositMinSize),
    isWithdrawEnabled: bool(data.isWithdrawEnabled) ?? false,
    isDepositEnabled: bool(data.isDepositEnabled) ?? false,
    confirms: num(data.confirms),
    contractAddress: text(data.contractAddress) || null
  }
}

export function currency (data: Json): Currency {
  return {
    code: need(text(data.currency), m, 'the currency code'),
    name: text(data.name) ?? text(data.currency) ?? '',
    fullName: text(data.fullName) ?? '',
    precision: num(data.precision) ?? 0,
    isMarginEnabled: bool(data.isMarginEnabled),
    isDebitEnabled: bool(data.isDebitEnabled),
    chains: data.chains === null || data.chains === undefined ? [] : list(data.chains, m).map(c => chain(c as Json))
  }
}

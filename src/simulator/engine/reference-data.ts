// Reference data (spot symbols, currencies, futures contracts). Each object
// starts from the spec's own example and overrides the instrument-specific
// fields, so the field set and types are exactly KuCoin's.
import { dayStats } from './candles.js'
import { fmt, round } from './decimal.js'
import { CURRENCIES } from './instruments.js'
import type { FuturesContract, SpotPair } from './instruments.js'
import type { InstrumentState, SyntheticMarket } from './market.js'
import { SPEC_EXAMPLES } from '../rest/examples.generated.js'

type Json = Record<string, unknown>

/** The first data object of a spec example (the element for list endpoints). */
function template (key: string): Json {
  const data = (JSON.parse(SPEC_EXAMPLES[key] ?? '{}') as { data?: unknown }).data
  const first = Array.isArray(data) ? data[0] : data
  return typeof first === 'object' && first !== null ? first as Json : {}
}

const SYMBOL_TEMPLATE = template('spot GET /api/v2/symbols')
const CURRENCY_TEMPLATE = template('spot GET /api/v3/currencies/{currency}')
const CONTRACT_TEMPLATE = template('futures GET /api/v1/contracts/active')

export function spotSymbol (pair: SpotPair): Json {
  return {
    ...SYMBOL_TEMPLATE,
    symbol: pair.symbol,
    name: pair.symbol,
    baseCurrency: pair.base,
    quoteCurrency: pair.quote,
    feeCurrency: pair.quote,
    market: pair.marketTag,
    baseMinSize: fmt(pair.baseMinSize, pair.sizeDecimals),
    quoteMinSize: fmt(pair.minFunds, 8),
    baseIncrement: fmt(pair.baseIncrement, pair.sizeDecimals),
    priceIncrement: fmt(pair.priceIncrement, pair.priceDecimals),
    minFunds: fmt(pair.minFunds, 8)
  }
}

/** A currency in the /api/v3/currencies shape, or undefined when unknown. */
export function currency (code: string): Json | undefined {
  const known = CURRENCIES.find(c => c.currency === code)
  if (known === undefined) return undefined
  const chains = (CURRENCY_TEMPLATE.chains as Json[] | undefined) ?? []
  return {
    ...CURRENCY_TEMPLATE,
    currency: known.currency,
    name: known.currency,
    fullName: known.fullName,
    precision: known.precision,
    chains: chains.slice(0, 1).map(chain => ({ ...chain, chainName: known.currency, chainId: known.currency.toLowerCase() }))
  }
}

export function allCurrencies (): Json[] {
  return CURRENCIES.map(c => currency(c.currency)).filter((c): c is Json => c !== undefined)
}

/** A contract in the /api/v1/contracts shape with live prices. */
export function contractDetail (market: SyntheticMarket, state: InstrumentState<FuturesContract>, now: number): Json {
  const c = state.instrument
  const stats = dayStats(market, state, now)
  const mark = round(market.fairPrice(state, now), c.priceDecimals)
  const index = round(mark / state.path.at(now), 2)
  const funding = fundingRate(state, now)
  return {
    ...CONTRACT_TEMPLATE,
    symbol: c.symbol,
    rootSymbol: c.settle,
    baseCurrency: c.base,
    quoteCurrency: c.quote,
    settleCurrency: c.settle,
    multiplier: c.multiplier,
    tickSize: c.tickSize,
    isQuanto: false,
    isInverse: c.inverse,
    maxLeverage: c.maxLeverage,
    fundingBaseSymbol: `.${c.base}INT8H`,
    fundingQuoteSymbol: `.${c.quote}INT8H`,
    fundingRateSymbol: `.${c.symbol}FPI8H`,
    indexSymbol: `.K${c.base}${c.quote}`,
    fundingFeeRate: funding.value,
    predictedFundingFeeRate: funding.predicted,
    nextFundingRateTime: funding.nextTime - now,
    markPrice: mark,
    indexPrice: index,
    lastTradePrice: round(market.lastPrice(state), c.priceDecimals),
    lowPrice: round(stats.low, c.priceDecimals),
    highPrice: round(stats.high, c.priceDecimals),
    priceChg: round(stats.last - stats.open, c.priceDecimals),
    priceChgPct: round((stats.last - stats.open) / stats.open, 4),
    volumeOf24h: round(stats.volume * Math.abs(c.multiplier), 3),
    turnoverOf24h: round(stats.turnover * Math.abs(c.multiplier), 4),
    openInterest: String(Math.round(stats.volume / 2)),
    buyLimit: round(mark * 1.05, 4),
    sellLimit: round(mark * 0.95, 4)
  }
}

const FUNDING_MS = 28_800_000

/** Funding follows the contract's premium over its index, clamped to KuCoin's ±0.3 %. */
export function fundingRate (state: InstrumentState<FuturesContract>, now: number): { value: number, predicted: number, timePoint: number, nextTime: number } {
  const timePoint = Math.floor(now / FUNDING_MS) * FUNDING_MS
  const clamp = (x: number): number => round(Math.max(-0.003, Math.min(0.003, x)), 6)
  return {
    value: clamp((state.path.at(timePoint) - 1) / 3 + 0.0001),
    predicted: clamp((state.path.at(now) - 1) / 3 + 0.0001),
    timePoint,
    nextTime: timePoint + FUNDING_MS
  }
}

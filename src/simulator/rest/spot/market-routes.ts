// Spot market-data endpoints, all read from the one synthetic market. An
// unknown symbol is answered with 400100 "Unsupported trading pair." (HTTP 200).
import { MAX_CANDLES, candles, dayStats } from '../../engine/candles.js'
import { fmt } from '../../engine/decimal.js'
import { spotParam } from '../errors.js'
import { envelope } from '../http.js'
import type { SpotPair } from '../../engine/instruments.js'
import type { InstrumentState } from '../../engine/market.js'
import { nanos, priceText, sizeText, textLevels } from '../../engine/quote-format.js'
import { allCurrencies, currency, spotSymbol } from '../../engine/reference-data.js'
import { RawJson, register, requireQuery } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'

const FEES = { takerFeeRate: '0.001', makerFeeRate: '0.001', takerCoefficient: '1', makerCoefficient: '1' }

// Candle types in seconds; KuCoin's month is approximated by 30 days.
const CANDLE_SECONDS = new Map<string, number>([
  ['1min', 60],
  ['3min', 180],
  ['5min', 300],
  ['15min', 900],
  ['30min', 1800],
  ['1hour', 3600],
  ['2hour', 7200],
  ['4hour', 14400],
  ['6hour', 21600],
  ['8hour', 28800],
  ['12hour', 43200],
  ['1day', 86400],
  ['1week', 604800],
  ['1month', 2592000]
])

function pairState (ctx: RouteContext, symbol = requireQuery(ctx, 'symbol', spotParam)): InstrumentState<SpotPair> {
  const state = ctx.state.market.spot.get(symbol)
  if (state === undefined) throw spotParam('Unsupported trading pair.')
  return state
}

function level1 (state: InstrumentState<SpotPair>): Record<string, unknown> {
  const { book } = state
  const last = state.tape[state.tape.length - 1]
  return {
    time: state.time,
    sequence: String(book.sequence),
    price: priceText(state, last?.ticks ?? 0),
    size: sizeText(state, last?.size ?? 0),
    bestBid: priceText(state, book.bestBid()?.ticks ?? 0),
    bestBidSize: sizeText(state, book.bestBid()?.size ?? 0),
    bestAsk: priceText(state, book.bestAsk()?.ticks ?? 0),
    bestAskSize: sizeText(state, book.bestAsk()?.size ?? 0)
  }
}

function ticker (ctx: RouteContext, state: InstrumentState<SpotPair>): Record<string, unknown> {
  const decimals = state.instrument.priceDecimals
  const stats = dayStats(ctx.state.market, state, ctx.now)
  const { book } = state
  return {
    symbol: state.instrument.symbol,
    symbolName: state.instrument.symbol,
    buy: priceText(state, book.bestBid()?.ticks ?? 0),
    bestBidSize: sizeText(state, book.bestBid()?.size ?? 0),
    sell: priceText(state, book.bestAsk()?.ticks ?? 0),
    bestAskSize: sizeText(state, book.bestAsk()?.size ?? 0),
    changeRate: fmt((stats.last - stats.open) / stats.open, 4),
    changePrice: fmt(stats.last - stats.open, decimals),
    high: fmt(stats.high, decimals),
    low: fmt(stats.low, decimals),
    vol: fmt(stats.volume, state.instrument.sizeDecimals),
    volValue: fmt(stats.turnover, 8),
    last: fmt(stats.last, decimals),
    averagePrice: fmt((stats.high + stats.low) / 2, 8),
    ...FEES
  }
}

function book (state: InstrumentState<SpotPair>, depth: number): Record<string, unknown> {
  return {
    time: state.time,
    sequence: String(state.book.sequence),
    bids: textLevels(state, state.book.bids, depth),
    asks: textLevels(state, state.book.asks, depth)
  }
}

function candleRows (ctx: RouteContext): string[][] {
  const state = pairState(ctx)
  const seconds = CANDLE_SECONDS.get(requireQuery(ctx, 'type', spotParam))
  if (seconds === undefined) throw spotParam('Invalid type')
  const endAt = Number(ctx.query.get('endAt') ?? 0)
  const to = endAt > 0 ? endAt * 1000 : ctx.now
  const startAt = Number(ctx.query.get('startAt') ?? 0)
  const from = startAt > 0 ? startAt * 1000 : to - (MAX_CANDLES - 1) * seconds * 1000
  const p = state.instrument.priceDecimals
  return candles(ctx.state.market, state, seconds * 1000, from, to, ctx.now).map(c => [
    String(c.start / 1000), fmt(c.open, p), fmt(c.close, p), fmt(c.high, p), fmt(c.low, p),
    fmt(c.volume, state.instrument.sizeDecimals), fmt(c.turnover, 8)
  ])
}

/**
 * Caches a serialised envelope per `keyOf(ctx)` until the market steps; the
 * content cannot change in between, and these are the endpoints polled hardest.
 */
function cachedPerStep (keyOf: (ctx: RouteContext) => string, render: (ctx: RouteContext) => unknown) {
  const cache = new Map<string, { time: number, raw: RawJson }>()
  return (ctx: RouteContext): RawJson => {
    const key = keyOf(ctx)
    const hit = cache.get(key)
    if (hit !== undefined && hit.time === ctx.state.market.time) return hit.raw
    const raw = new RawJson(envelope(render(ctx)))
    cache.set(key, { time: ctx.state.market.time, raw })
    return raw
  }
}

/** The symbol, validated, as cache key (an unknown symbol throws before caching). */
const symbolKey = (ctx: RouteContext): string => pairState(ctx).instrument.symbol

export function registerSpotMarketRoutes (table: RouteTable): void {
  register(table, 'spot', {
    // The benchmark's hot path: served from a per-step cache.
    'GET /api/v1/market/orderbook/level1': cachedPerStep(symbolKey, ctx => level1(pairState(ctx))),
    'GET /api/v1/market/allTickers': cachedPerStep(() => 'all', ctx => ({
      time: ctx.state.market.time,
      ticker: [...ctx.state.market.spot.values()].map(state => ticker(ctx, state))
    })),
    'GET /api/v1/market/stats': ctx => {
      const state = pairState(ctx)
      const { symbolName: _name, bestBidSize: _bid, bestAskSize: _ask, ...stats } = ticker(ctx, state)
      return { time: state.time, ...stats }
    },
    'GET /api/v1/market/orderbook/level2_{size}': ctx => {
      const size = ctx.params.size
      if (size !== '20' && size !== '100') throw spotParam('Invalid size, must be 20 or 100')
      return book(pairState(ctx), Number(size))
    },
    'GET /api/v3/market/orderbook/level2': ctx => book(pairState(ctx), Infinity),
    'GET /api/v1/market/candles': candleRows,
    'GET /api/v1/market/histories': ctx => {
      const state = pairState(ctx)
      return state.tape.map(trade => ({
        sequence: String(trade.sequence),
        price: priceText(state, trade.ticks),
        size: sizeText(state, trade.size),
        side: trade.side,
        time: nanos(trade.time)
      }))
    },
    'GET /api/v2/symbols': ctx => {
      const filter = ctx.query.get('market')
      return [...ctx.state.market.spot.values()]
        .filter(state => filter === null || filter === '' || state.instrument.marketTag === filter)
        .map(state => spotSymbol(state.instrument))
    },
    'GET /api/v2/symbols/{symbol}': ctx => spotSymbol(pairState(ctx, ctx.params.symbol).instrument),
    'GET /api/v3/currencies': () => allCurrencies(),
    'GET /api/v3/currencies/{currency}': ctx => {
      const found = currency(ctx.params.currency ?? '')
      if (found === undefined) throw spotParam('Unsupported currency.')
      return found
    },
    'GET /api/v1/timestamp': ctx => ctx.now,
    'GET /api/v1/status': () => ({ status: 'open', msg: '' })
  })
}

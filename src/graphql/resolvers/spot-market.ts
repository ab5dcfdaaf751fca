// Query.spot: spot market data, one KuCoin call per field (shared by the
// upstream coalescer with identical calls in flight).
import { fromMillis, list, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import type { SpotBookDepth, SpotMarketResolvers, SpotStats } from '../schema-types.generated.js'
import type { CallContext } from '../../http/caller-signal.js'
import { segment, type Upstream } from '../upstream.js'
import { spotCandleType } from './intervals.js'
import { newestFirst, orderBook, serviceStatus, spotCandle, trade } from './market-views.js'
import { currency, spotStats, spotSymbol, spotTicker } from './spot-views.js'

const BOOK_PATHS: Record<SpotBookDepth, string> = {
  TOP_20: '/api/v1/market/orderbook/level2_20',
  TOP_100: '/api/v1/market/orderbook/level2_100',
  FULL: '/api/v3/market/orderbook/level2'
}

/** Every symbol's 24 h statistics from one `allTickers` call. */
export async function allSpotStats (upstream: Upstream, call: CallContext | undefined): Promise<SpotStats[]> {
  const data = await upstream.get<{ time: number, ticker: Json[] }>(call, 'spot', '/api/v1/market/allTickers')
  return list(data.ticker, 'spot').map(t => spotStats(t as Json, data.time))
}

const seconds = (ms: number | null | undefined): number | undefined => ms === null || ms === undefined ? undefined : Math.floor(ms / 1000)

export function spotMarketResolvers (upstream: Upstream): Omit<SpotMarketResolvers<GraphQLContext>, 'book'> { // book: resolvers/index.ts (verified books)
  return {
    serverTime: async (_, __, { call }) => fromMillis(await upstream.get(call, 'spot', '/api/v1/timestamp')),
    status: async (_, __, { call }) => serviceStatus(await upstream.get(call, 'spot', '/api/v1/status')),
    symbols: async (_, { market }, { call }) => list(await upstream.get(call, 'spot', '/api/v2/symbols', { market }), 'spot').map(s => spotSymbol(s as Json)),
    symbol: async (_, { symbol }, { call }) => spotSymbol(await upstream.get(call, 'spot', `/api/v2/symbols/${segment(symbol)}`)),
    ticker: async (_, { symbol }, { call }) => spotTicker(await upstream.get(call, 'spot', '/api/v1/market/orderbook/level1', { symbol }), symbol),
    tickers: async (_, { symbols }, { call }) => {
      const all = await allSpotStats(upstream, call)
      if (!symbols) return all
      const wanted = new Set(symbols)
      return all.filter(s => wanted.has(s.symbol))
    },
    stats: async (_, { symbol }, { call }) => {
      const data = await upstream.get<Json>(call, 'spot', '/api/v1/market/stats', { symbol })
      return spotStats(data, data.time)
    },
    orderBook: async (_, { symbol, depth }, { call }) => orderBook(await upstream.get(call, 'spot', BOOK_PATHS[depth], { symbol }), symbol, 'spot'),
    candles: async (_, { symbol, interval, startAt, endAt }, { call }) => {
      const rows = await upstream.get(call, 'spot', '/api/v1/market/candles', { symbol, type: spotCandleType(interval), startAt: seconds(startAt), endAt: seconds(endAt) })
      return list(rows, 'spot').map(spotCandle).reverse()
    },
    trades: async (_, { symbol }, { call }) => newestFirst(list(await upstream.get(call, 'spot', '/api/v1/market/histories', { symbol }), 'spot').map(t => trade(t as Json, 'spot'))),
    currencies: async (_, __, { call }) => list(await upstream.get(call, 'spot', '/api/v3/currencies'), 'spot').map(c => currency(c as Json)),
    currency: async (_, { code }, { call }) => currency(await upstream.get(call, 'spot', `/api/v3/currencies/${segment(code)}`))
  }
}

// Query.futures: futures market data, one KuCoin call per field (shared by
// the upstream coalescer with identical calls in flight).
import { fromMillis, list, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import type { FuturesBookDepth, FuturesMarketResolvers } from '../schema-types.generated.js'
import { segment, type Upstream } from '../upstream.js'
import { futuresGranularity } from './intervals.js'
import { futuresCandle, newestFirst, orderBook, serviceStatus, trade } from './market-views.js'
import { fundingRate, futuresContract, futuresTicker, markPrice } from './futures-views.js'

const BOOK_PATHS: Record<FuturesBookDepth, string> = {
  TOP_20: '/api/v1/level2/depth20',
  TOP_100: '/api/v1/level2/depth100',
  FULL: '/api/v1/level2/snapshot'
}

export function futuresMarketResolvers (upstream: Upstream): Omit<FuturesMarketResolvers<GraphQLContext>, 'book'> {
  return {
    serverTime: async (_, __, { call }) => fromMillis(await upstream.get(call, 'futures', '/api/v1/timestamp')),
    status: async (_, __, { call }) => serviceStatus(await upstream.get(call, 'futures', '/api/v1/status')),
    contracts: async (_, __, { call }) => list(await upstream.get(call, 'futures', '/api/v1/contracts/active'), 'futures').map(c => futuresContract(c as Json)),
    contract: async (_, { symbol }, { call }) => futuresContract(await upstream.get(call, 'futures', `/api/v1/contracts/${segment(symbol)}`)),
    ticker: async (_, { symbol }, { call }) => futuresTicker(await upstream.get(call, 'futures', '/api/v1/ticker', { symbol })),
    tickers: async (_, { symbols }, { call }) => {
      const all = list(await upstream.get(call, 'futures', '/api/v1/allTickers'), 'futures').map(t => futuresTicker(t as Json))
      if (!symbols) return all
      const wanted = new Set(symbols)
      return all.filter(t => wanted.has(t.symbol))
    },
    orderBook: async (_, { symbol, depth }, { call }) => orderBook(await upstream.get(call, 'futures', BOOK_PATHS[depth], { symbol }), symbol, 'futures'),
    candles: async (_, { symbol, interval, startAt, endAt }, { call }) => {
      const rows = await upstream.get(call, 'futures', '/api/v1/kline/query', { symbol, granularity: futuresGranularity(interval), from: startAt, to: endAt })
      return list(rows, 'futures').map(futuresCandle)
    },
    trades: async (_, { symbol }, { call }) => newestFirst(list(await upstream.get(call, 'futures', '/api/v1/trade/history', { symbol }), 'futures').map(t => trade(t as Json, 'futures'))),
    markPrice: async (_, { symbol }, { call }) => markPrice(await upstream.get(call, 'futures', `/api/v1/mark-price/${segment(symbol)}/current`), symbol),
    fundingRate: async (_, { symbol }, { call }) => fundingRate(await upstream.get(call, 'futures', `/api/v1/funding-rate/${segment(symbol)}/current`), symbol)
  }
}

// Futures market-data endpoints. Unknown contracts are answered with futures
// code 100003 "Contract parameter invalid." (HTTP 200).
import { MAX_CANDLES, candles } from '../../engine/candles.js'
import { round } from '../../engine/decimal.js'
import { SimError, futuresParam } from '../errors.js'
import type { FuturesContract } from '../../engine/instruments.js'
import type { InstrumentState } from '../../engine/market.js'
import { nanos, numberLevels, priceText } from '../../engine/quote-format.js'
import { contractDetail, fundingRate } from '../../engine/reference-data.js'
import { register, requireQuery } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'

const GRANULARITIES = new Set([1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080])

export function contractState (ctx: RouteContext, symbol = requireQuery(ctx, 'symbol', futuresParam)): InstrumentState<FuturesContract> {
  const state = ctx.state.market.futures.get(symbol)
  if (state === undefined) throw new SimError('100003')
  return state
}

function ticker (state: InstrumentState<FuturesContract>): Record<string, unknown> {
  const { book } = state
  const last = state.tape[state.tape.length - 1]
  return {
    sequence: state.tradeSequence,
    symbol: state.instrument.symbol,
    side: last?.side ?? 'buy',
    size: last?.size ?? 0,
    tradeId: last?.tradeId ?? '0',
    price: priceText(state, last?.ticks ?? 0),
    bestBidPrice: priceText(state, book.bestBid()?.ticks ?? 0),
    bestBidSize: book.bestBid()?.size ?? 0,
    bestAskPrice: priceText(state, book.bestAsk()?.ticks ?? 0),
    bestAskSize: book.bestAsk()?.size ?? 0,
    ts: nanos(state.time)
  }
}

function book (state: InstrumentState<FuturesContract>, depth: number): Record<string, unknown> {
  return {
    sequence: state.book.sequence,
    symbol: state.instrument.symbol,
    bids: numberLevels(state, state.book.bids, depth),
    asks: numberLevels(state, state.book.asks, depth),
    ts: nanos(state.time)
  }
}

function klines (ctx: RouteContext): number[][] {
  const state = contractState(ctx)
  const granularity = Number(requireQuery(ctx, 'granularity', futuresParam))
  if (!GRANULARITIES.has(granularity)) throw futuresParam('Invalid granularity')
  const interval = granularity * 60_000
  const to = Number(ctx.query.get('to') ?? 0) || ctx.now
  const from = Number(ctx.query.get('from') ?? 0) || to - (MAX_CANDLES - 1) * interval
  const p = state.instrument.priceDecimals
  return candles(ctx.state.market, state, interval, from, to, ctx.now)
    .reverse()
    .map(c => [c.start, round(c.open, p), round(c.high, p), round(c.low, p), round(c.close, p), Math.round(c.volume)])
}

export function registerFuturesMarketRoutes (table: RouteTable): void {
  register(table, 'futures', {
    'GET /api/v1/contracts/active': ctx => [...ctx.state.market.futures.values()].map(state => contractDetail(ctx.state.market, state, ctx.now)),
    'GET /api/v1/contracts/{symbol}': ctx => contractDetail(ctx.state.market, contractState(ctx, ctx.params.symbol), ctx.now),
    'GET /api/v1/ticker': ctx => ticker(contractState(ctx)),
    'GET /api/v1/allTickers': ctx => [...ctx.state.market.futures.values()].map(ticker),
    'GET /api/v1/level2/snapshot': ctx => book(contractState(ctx), Infinity),
    'GET /api/v1/level2/depth{size}': ctx => {
      const size = ctx.params.size
      if (size !== '20' && size !== '100') throw futuresParam('Invalid size, must be 20 or 100')
      return book(contractState(ctx), Number(size))
    },
    'GET /api/v1/kline/query': klines,
    'GET /api/v1/trade/history': ctx => {
      const state = contractState(ctx)
      return state.tape.map(trade => ({
        sequence: trade.sequence,
        contractId: 1,
        tradeId: trade.tradeId,
        makerOrderId: trade.makerOrderId,
        takerOrderId: trade.takerOrderId,
        ts: nanos(trade.time),
        size: trade.size,
        price: priceText(state, trade.ticks),
        side: trade.side
      })).reverse()
    },
    'GET /api/v1/mark-price/{symbol}/current': ctx => {
      const state = contractState(ctx, ctx.params.symbol)
      const mark = ctx.state.market.fairPrice(state, ctx.now)
      return {
        symbol: state.instrument.symbol,
        granularity: 1000,
        timePoint: Math.floor(ctx.now / 1000) * 1000,
        value: round(mark, state.instrument.priceDecimals),
        indexPrice: round(mark / state.path.at(ctx.now), 2)
      }
    },
    'GET /api/v1/funding-rate/{symbol}/current': ctx => {
      const state = contractState(ctx, ctx.params.symbol)
      const funding = fundingRate(state, ctx.now)
      return {
        symbol: `.${state.instrument.symbol}FPI8H`,
        granularity: 28_800_000,
        timePoint: funding.timePoint,
        value: funding.value,
        predictedValue: funding.predicted,
        fundingRateCap: 0.003,
        fundingRateFloor: -0.003,
        period: 0,
        fundingTime: funding.nextTime
      }
    },
    'GET /api/v1/timestamp': ctx => ctx.now,
    'GET /api/v1/status': () => ({ msg: '', status: 'open' })
  })
}

// Subscription: every field is a client of the market's WebSocket hub, so a
// KuCoin topic is subscribed upstream once however many subscribers (GraphQL
// or /spot/ws) want it. A field's subscribe runs once per subscription group
// (live/group.ts), not per subscriber; each upstream frame is decoded once for
// all the groups of a field (the hub hands all of them the same Buffer).
import type { Books } from '../../books/books.js'
import { GatewayError } from '../../errors.js'
import { BookStream } from '../book-stream.js'
import type { Market } from '../../kucoin/catalog.js'
import type { Feed } from '../../ws/feed.js'
import { isTopicError, parseTopic } from '../../ws/topics.js'
import { dec, fromMillis, fromNanos, need, orderType, side, text, type Json } from '../convert.js'
import { requirePrivate, type GraphQLContext } from '../context.js'
import { withExtensions } from '../errors.js'
import { HubStream, type StreamStats } from '../hub-stream.js'
import type { BalanceUpdate, SpotOrderEvent, SubscriptionResolvers } from '../schema-types.generated.js'
import { futuresTicker } from './futures-views.js'
import { spotCandleType } from './intervals.js'
import { orderBook, spotCandle, trade } from './market-views.js'
import { spotTicker } from './spot-views.js'

export interface StreamDeps {
  feeds: Record<Market, Feed>
  books: Books
  stats: StreamStats
}

interface Message { topic?: string, subject?: string, data?: Json }

/**
 * The fields whose data is the account's: their groups are never shared
 * across callers (live/operation.ts). open() checks this list against the
 * topic table, so a private field missing here fails loudly instead of grouping.
 */
export const PRIVATE_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['balances', 'spotOrders'])

/** Verified-book streams: one book consumer per subscriber, never grouped (each starts with its own snapshot). */
export const BOOK_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['spotBook', 'futuresBook'])

/** `since` as a sequence, or a bad-request error. */
function sinceOf (since: string | null | undefined, market: Market): number | undefined {
  if (since === null || since === undefined) return undefined
  if (!/^\d{1,16}$/.test(since)) throw withExtensions(new GatewayError('bad-request', { market, detail: `since must be a sequence number (got ${JSON.stringify(since)})` }))
  return Number(since)
}

/** A decoder shared by every subscriber of a field: each frame is parsed and mapped once. */
function decoder<T> (map: (message: Message) => T | undefined): (frame: Buffer) => T | undefined {
  const seen = new WeakMap<Buffer, T | null>()
  return frame => {
    let value = seen.get(frame)
    if (value === undefined) {
      value = map(JSON.parse(frame.toString('utf8')) as Message) ?? null
      seen.set(frame, value)
    }
    return value ?? undefined
  }
}

const dataOf = (message: Message, market: Market): Json => need(message.data, market, 'the message data')

function balanceUpdate (message: Message): BalanceUpdate | undefined {
  if (message.subject !== 'account.balance') return undefined
  const d = dataOf(message, 'spot')
  const context = (d.relationContext ?? {}) as Json
  return {
    accountId: need(text(d.accountId), 'spot', 'the account id'),
    currency: need(text(d.currency), 'spot', 'the currency'),
    total: need(dec(d.total), 'spot', 'the total'),
    available: need(dec(d.available), 'spot', 'the available amount'),
    hold: need(dec(d.hold), 'spot', 'the held amount'),
    availableChange: dec(d.availableChange) ?? '0',
    holdChange: dec(d.holdChange) ?? '0',
    event: text(d.relationEvent) ?? '',
    orderId: text(context.orderId),
    time: need(fromMillis(d.time), 'spot', 'the change time')
  }
}

function spotOrderEvent (message: Message): SpotOrderEvent | undefined {
  if (message.subject !== 'orderChange') return undefined
  const d = dataOf(message, 'spot')
  return {
    type: text(d.type) ?? '',
    status: text(d.status) ?? '',
    orderId: need(text(d.orderId), 'spot', 'the order id'),
    clientOid: text(d.clientOid),
    symbol: need(text(d.symbol), 'spot', 'the symbol'),
    side: side(d.side, 'spot'),
    orderType: orderType(d.orderType, 'spot'),
    price: dec(d.price),
    size: dec(d.size ?? d.originSize),
    filledSize: dec(d.filledSize),
    remainSize: dec(d.remainSize),
    canceledSize: dec(d.canceledSize),
    matchPrice: dec(d.matchPrice),
    matchSize: dec(d.matchSize),
    tradeId: text(d.tradeId),
    time: need(fromNanos(d.ts), 'spot', 'the event time')
  }
}

export function subscriptionResolvers (deps: StreamDeps): SubscriptionResolvers<GraphQLContext> {
  /** Opens a hub stream on one single-symbol (or symbol-less) topic, with the same access rules as /spot/ws. */
  function open<T> (context: GraphQLContext, info: { fieldName: string }, market: Market, topic: string, decode: (frame: Buffer) => T | undefined): HubStream<T> {
    try {
      const parsed = parseTopic(market, topic)
      if (isTopicError(parsed) || parsed.topics.length !== 1) {
        throw new GatewayError('bad-request', { market, detail: isTopicError(parsed) ? parsed.message : 'one symbol per subscription' })
      }
      if (parsed.spec.private !== PRIVATE_SUBSCRIPTIONS.has(info.fieldName)) throw new Error(`PRIVATE_SUBSCRIPTIONS is wrong about ${info.fieldName}`)
      if (parsed.spec.private) requirePrivate(context, market)
      return new HubStream(deps.feeds[market].hub, parsed.topics, decode, deps.stats, parsed.spec.conflate)
    } catch (error) {
      throw withExtensions(error)
    }
  }
  const identity = <T>(value: T): T => value
  const spotTickers = decoder(m => spotTicker(dataOf(m, 'spot'), text(m.topic)?.split(':')[1] ?? ''))
  const spotTrades = decoder(m => trade(dataOf(m, 'spot'), 'spot'))
  const spotBooks = decoder(m => orderBook(dataOf(m, 'spot'), text(m.topic)?.split(':')[1] ?? '', 'spot'))
  const spotCandles = decoder(m => spotCandle(dataOf(m, 'spot').candles))
  const futuresTickers = decoder(m => futuresTicker(dataOf(m, 'futures')))
  const balances = decoder(balanceUpdate)
  const orders = decoder(spotOrderEvent)
  const book = (market: Market, symbol: string, since: string | null | undefined): BookStream => {
    try {
      return new BookStream(deps.books, market, symbol, sinceOf(since, market))
    } catch (error) {
      throw withExtensions(error)
    }
  }
  return {
    spotBook: { subscribe: (_, { symbol, since }) => book('spot', symbol, since), resolve: identity },
    futuresBook: { subscribe: (_, { symbol, since }) => book('futures', symbol, since), resolve: identity },
    spotTicker: { subscribe: (_, { symbol }, ctx, info) => open(ctx, info, 'spot', `/market/ticker:${symbol}`, spotTickers), resolve: identity },
    spotTrades: { subscribe: (_, { symbol }, ctx, info) => open(ctx, info, 'spot', `/market/match:${symbol}`, spotTrades), resolve: identity },
    spotOrderBook: {
      subscribe: (_, { symbol, depth }, ctx, info) => open(ctx, info, 'spot', `/spotMarket/level2Depth${depth === 'TOP_5' ? 5 : 50}:${symbol}`, spotBooks),
      resolve: identity
    },
    spotCandles: {
      subscribe: (_, { symbol, interval }, ctx, info) => open(ctx, info, 'spot', `/market/candles:${symbol}_${spotCandleType(interval)}`, spotCandles),
      resolve: identity
    },
    futuresTicker: { subscribe: (_, { symbol }, ctx, info) => open(ctx, info, 'futures', `/contractMarket/ticker:${symbol}`, futuresTickers), resolve: identity },
    balances: { subscribe: (_, __, ctx, info) => open(ctx, info, 'spot', '/account/balance', balances), resolve: identity },
    spotOrders: {
      subscribe: (_, { symbol }, ctx, info) => open(ctx, info, 'spot', '/spotMarket/tradeOrdersV2', frame => {
        const event = orders(frame)
        return event !== undefined && (symbol === null || symbol === undefined || event.symbol === symbol) ? event : undefined
      }),
      resolve: identity
    }
  }
}

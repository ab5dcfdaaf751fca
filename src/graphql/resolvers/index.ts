// The whole resolver map, typed against the generated schema types (a field
// the schema adds without a resolver here fails the typecheck) and guarded
// in one place (guard.ts).
import type { GraphQLContext } from '../context.js'
import { guardResolvers } from '../guard.js'
import { decimalScalar, timestampScalar } from '../scalars.js'
import type { Resolvers, SpotStats, SpotSymbol } from '../schema-types.generated.js'
import type { Upstream } from '../upstream.js'
import { futuresAccountResolvers } from './futures-account.js'
import { futuresMarketResolvers } from './futures-market.js'
import { spotAccountResolvers } from './spot-account.js'
import { allSpotStats, spotMarketResolvers } from './spot-market.js'
import { subscriptionResolvers, type StreamDeps } from './subscriptions.js'
import { placementQuery, tradingResolvers } from './trading.js'
import type { Placements } from '../../orders/placements.js'
import type { Books } from '../../books/books.js'
import { GatewayError } from '../../errors.js'
import type { Market } from '../../kucoin/catalog.js'
import { verifiedBook } from '../book-stream.js'
import type { VerifiedBook } from '../schema-types.generated.js'

// The namespaces carry no data of their own; their fields fetch.
const namespace = (): Record<string, never> => ({})

export function buildResolvers (upstream: Upstream, streams: StreamDeps, placements: Placements): Resolvers<GraphQLContext> {
  return guardResolvers({
    Decimal: decimalScalar,
    Timestamp: timestampScalar,
    Query: { spot: namespace, futures: namespace, spotAccount: namespace, futuresAccount: namespace, placement: placementQuery(placements) },
    SpotMarket: { ...spotMarketResolvers(upstream), book: bookQuery(streams.books, 'spot') },
    FuturesMarket: { ...futuresMarketResolvers(upstream), book: bookQuery(streams.books, 'futures') },
    SpotAccount: spotAccountResolvers(upstream),
    FuturesAccount: futuresAccountResolvers(upstream),
    Mutation: tradingResolvers(upstream),
    SpotSymbol: { stats: spotSymbolStats(upstream) },
    Subscription: subscriptionResolvers(streams)
  })
}

/**
 * SpotSymbol.stats for every symbol of a request is one `allTickers` call,
 * made when the first stats field resolves and kept with the request's
 * context. (Not a mercurius loader: mercurius builds the loaders of every
 * request up front, whether its query asks for stats or not.)
 */
function spotSymbolStats (upstream: Upstream): (symbol: SpotSymbol, args: unknown, context: GraphQLContext) => Promise<SpotStats | null> {
  const perRequest = new WeakMap<GraphQLContext, Promise<Map<string, SpotStats>>>()
  return async (symbol, _args, context) => {
    let all = perRequest.get(context)
    if (all === undefined) {
      all = allSpotStats(upstream, context.call).then(stats => new Map(stats.map(s => [s.symbol, s])))
      perRequest.set(context, all)
    }
    return (await all).get(symbol.symbol) ?? null
  }
}

/** `book(symbol, depth)` under spot and futures: the verified book (src/books/), waited for when new. */
function bookQuery (books: Books, market: Market): (parent: unknown, args: { symbol: string, depth?: number | null }) => Promise<VerifiedBook> {
  return async (_parent, { symbol, depth }) => {
    if (depth !== null && depth !== undefined && depth < 1) throw new GatewayError('bad-request', { market, detail: `depth must be positive or null (got ${depth})` })
    return verifiedBook(await books.view(market, symbol, depth ?? Infinity))
  }
}

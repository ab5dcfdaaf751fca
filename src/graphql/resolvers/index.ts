// The whole resolver map, typed against the generated schema types (a field
// the schema adds without a resolver here fails the typecheck), and the
// loaders (batched fields).
import type { MercuriusLoaders } from 'mercurius'
import type { GraphQLContext } from '../context.js'
import { decimalScalar, timestampScalar } from '../scalars.js'
import type { Resolvers, SpotStats, SpotSymbol } from '../schema-types.generated.js'
import type { Upstream } from '../upstream.js'
import { futuresAccountResolvers } from './futures-account.js'
import { futuresMarketResolvers } from './futures-market.js'
import { spotAccountResolvers } from './spot-account.js'
import { allSpotStats, spotMarketResolvers } from './spot-market.js'
import { subscriptionResolvers, type StreamDeps } from './subscriptions.js'
import { tradingResolvers } from './trading.js'

// The namespaces carry no data of their own; their fields fetch.
const namespace = (): Record<string, never> => ({})

export function buildResolvers (upstream: Upstream, streams: StreamDeps): Resolvers<GraphQLContext> {
  return {
    Decimal: decimalScalar,
    Timestamp: timestampScalar,
    Query: { spot: namespace, futures: namespace, spotAccount: namespace, futuresAccount: namespace },
    SpotMarket: spotMarketResolvers(upstream),
    FuturesMarket: futuresMarketResolvers(upstream),
    SpotAccount: spotAccountResolvers(upstream),
    FuturesAccount: futuresAccountResolvers(upstream),
    Mutation: tradingResolvers(upstream),
    Subscription: subscriptionResolvers(streams)
  }
}

/** SpotSymbol.stats for every symbol of a query is one `allTickers` call. */
export function buildLoaders (upstream: Upstream): MercuriusLoaders<GraphQLContext> {
  return {
    SpotSymbol: {
      stats: async (queries: Array<{ obj: SpotSymbol }>): Promise<Array<SpotStats | null>> => {
        const bySymbol = new Map((await allSpotStats(upstream)).map(s => [s.symbol, s]))
        return queries.map(q => bySymbol.get(q.obj.symbol) ?? null)
      }
    }
  }
}

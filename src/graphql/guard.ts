// Who may resolve which field, in one place: every resolver of the types
// below is wrapped here, so a field added to a namespace or a new mutation is
// guarded without anyone remembering to. Query namespaces need `read`;
// account fields are private (credentials on the gateway, and `read` over
// HTTP or `private-stream` over graphql-ws); mutations trade. Private
// subscriptions are decided by their topic (resolvers/subscriptions.ts).
import type { Market } from '../kucoin/catalog.js'
import { requirePrivate, requireRead, requireTrading, type GraphQLContext } from './context.js'
import type { MutationResolvers, Resolvers } from './schema-types.generated.js'

/** The market of each mutation: a new mutation without an entry fails the typecheck. */
const MUTATION_MARKETS: Record<keyof MutationResolvers<GraphQLContext>, Market> = {
  placeSpotOrder: 'spot',
  cancelSpotOrder: 'spot',
  cancelAllSpotOrders: 'spot',
  placeFuturesOrder: 'futures',
  cancelFuturesOrder: 'futures',
  cancelAllFuturesOrders: 'futures'
}

type Check = (context: GraphQLContext, field: string) => void
type AnyResolver = (parent: unknown, args: unknown, context: GraphQLContext, info: unknown) => unknown

/** The same resolvers, each running `check` first. */
function guardFields<T extends object> (fields: T, check: Check): T {
  const entries = Object.entries(fields as Record<string, AnyResolver>)
    .map(([field, resolve]) => [field, (parent: unknown, args: unknown, context: GraphQLContext, info: unknown) => {
      check(context, field)
      return resolve(parent, args, context, info)
    }])
  return Object.fromEntries(entries) as T
}

export function guardResolvers (resolvers: Resolvers<GraphQLContext>): Resolvers<GraphQLContext> {
  return {
    ...resolvers,
    Query: guardFields(resolvers.Query, requireRead),
    SpotAccount: guardFields(resolvers.SpotAccount, context => { requirePrivate(context, 'spot') }),
    FuturesAccount: guardFields(resolvers.FuturesAccount, context => { requirePrivate(context, 'futures') }),
    Mutation: guardFields(resolvers.Mutation, (context, field) => { requireTrading(context, MUTATION_MARKETS[field as keyof typeof MUTATION_MARKETS]) })
  }
}

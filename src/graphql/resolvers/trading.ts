// Mutation: placing and cancelling orders. guard.ts has checked the caller
// (trade scope, trading enabled, credentials); each goes through the same
// policy as the REST proxy. Placements go through src/orders/ like REST ones:
// idempotent by `idempotencyKey`, with the clientOid derived from it unless
// the input names one, and a lost answer settled (UNKNOWN while it is not).
import { GatewayError } from '../../errors.js'
import type { Market } from '../../kucoin/catalog.js'
import { deriveClientOid } from '../../orders/derived-client-oid.js'
import type { PlacedAnswer, Placements } from '../../orders/placements.js'
import { exactlyOne, list, text, toKucoinSide, toKucoinType, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import type { FuturesOrderInput, MutationResolvers, OrderCancellation, OrderPlacement, Placement, PlacementOutcome, SpotOrderInput } from '../schema-types.generated.js'
import type { CallContext } from '../../http/caller-signal.js'
import { segment, type Upstream } from '../upstream.js'

/** Drops absent fields, so KuCoin applies its own defaults. */
function compact (body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null))
}

function spotBody (input: SpotOrderInput): Record<string, unknown> {
  return compact({
    clientOid: input.clientOid,
    symbol: input.symbol,
    side: toKucoinSide(input.side),
    type: toKucoinType(input.type),
    price: input.price,
    size: input.size,
    funds: input.funds,
    timeInForce: input.timeInForce,
    postOnly: input.postOnly,
    hidden: input.hidden,
    iceberg: input.iceberg,
    remark: input.remark
  })
}

function futuresBody (input: FuturesOrderInput): Record<string, unknown> {
  return compact({
    clientOid: input.clientOid,
    symbol: input.symbol,
    side: toKucoinSide(input.side),
    type: toKucoinType(input.type),
    price: input.price,
    size: input.size,
    leverage: input.leverage,
    marginMode: input.marginMode,
    timeInForce: input.timeInForce,
    postOnly: input.postOnly,
    reduceOnly: input.reduceOnly,
    closeOrder: input.closeOrder,
    remark: input.remark
  })
}

function placed (answer: PlacedAnswer): OrderPlacement {
  return { outcome: 'PLACED', orderId: answer.orderId ?? null, clientOid: answer.clientOid, idempotencyKey: answer.key, replayed: answer.replayed }
}

/** Places through src/orders/; an outcome still unknown is a result (UNKNOWN), every other failure an error. */
async function place (upstream: Upstream, call: CallContext | undefined, market: Market, path: string, body: Record<string, unknown>, key: string, caller: string): Promise<OrderPlacement> {
  try {
    return placed(await upstream.place(call, market, path, body, key, caller))
  } catch (error) {
    if (!(error instanceof GatewayError) || error.kind !== 'order-outcome-unknown') throw error
    const clientOid = typeof body.clientOid === 'string' ? body.clientOid : deriveClientOid(caller, key)
    return { outcome: 'UNKNOWN', orderId: null, clientOid, idempotencyKey: key, replayed: error.headers['idempotent-replayed'] === 'true' }
  }
}

function cancellation (data: unknown): OrderCancellation {
  const json = typeof data === 'object' && data !== null ? data as Json : {}
  const ids = json.cancelledOrderIds === undefined ? [text(json.orderId)] : list(json.cancelledOrderIds, 'futures').map(text)
  return { orderIds: ids.filter((id): id is string => id !== null), clientOids: json.clientOid === undefined ? [] : [text(json.clientOid) ?? ''] }
}

export function tradingResolvers (upstream: Upstream): MutationResolvers<GraphQLContext> {
  return {
    placeSpotOrder: async (_, { input, idempotencyKey }, context) =>
      await place(upstream, context.call, 'spot', '/api/v1/hf/orders', spotBody(input), idempotencyKey, context.access.caller.name),
    cancelSpotOrder: async (_, { symbol, orderId, clientOid }, { call }) => {
      const [by, id] = exactlyOne('spot', ['orderId', orderId], ['clientOid', clientOid])
      const path = by === 'orderId' ? `/api/v1/hf/orders/${segment(id)}` : `/api/v1/hf/orders/client-order/${segment(id)}`
      return cancellation(await upstream.write(call, 'spot', 'DELETE', path, { params: { symbol } }))
    },
    cancelAllSpotOrders: async (_, { symbol }, { call }) => {
      // KuCoin answers "success" without ids.
      return cancellation(await upstream.write(call, 'spot', 'DELETE', '/api/v1/hf/orders', { params: { symbol } }))
    },
    placeFuturesOrder: async (_, { input, idempotencyKey }, context) =>
      await place(upstream, context.call, 'futures', '/api/v1/orders', futuresBody(input), idempotencyKey, context.access.caller.name),
    cancelFuturesOrder: async (_, { orderId, clientOid, symbol }, { call }) => {
      const [by, id] = exactlyOne('futures', ['orderId', orderId], ['clientOid', clientOid])
      return cancellation(by === 'orderId'
        ? await upstream.write(call, 'futures', 'DELETE', `/api/v1/orders/${segment(id)}`)
        : await upstream.write(call, 'futures', 'DELETE', `/api/v1/orders/client-order/${segment(id)}`, { params: { symbol } }))
    },
    cancelAllFuturesOrders: async (_, { symbol }, { call }) => {
      return cancellation(await upstream.write(call, 'futures', 'DELETE', '/api/v3/orders', { params: { symbol } }))
    }
  }
}

const OUTCOMES: Record<string, PlacementOutcome> = { pending: 'PENDING', placed: 'PLACED', rejected: 'REJECTED', unknown: 'UNKNOWN', 'not-placed': 'NOT_PLACED' }

/** Query.placement(key): GET /placements/{key} for the calling token; null when there is none. */
export function placementQuery (placements: Placements): (parent: unknown, args: { key: string }, context: GraphQLContext) => Promise<Placement | null> {
  return async (_parent, { key }, context) => {
    try {
      const view = await placements.view(context.access.caller.name, key)
      return { ...view, outcome: OUTCOMES[view.outcome] ?? 'UNKNOWN', orderId: view.orderId ?? null, error: view.error ?? null, updatedAt: view.updatedAt }
    } catch (error) {
      if (error instanceof GatewayError && error.kind === 'placement-not-found') return null
      throw error
    }
  }
}

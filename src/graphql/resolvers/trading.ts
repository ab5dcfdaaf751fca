// Mutation: placing and cancelling orders. guard.ts has checked the caller
// (trade scope, trading enabled, credentials); each goes through the same
// policy as the REST proxy. Nothing is retried: `clientOid` is the caller's idempotency key,
// generated here when absent so a caller can always look its order up.
import { randomUUID } from 'node:crypto'
import type { Market } from '../../kucoin/catalog.js'
import { exactlyOne, list, need, text, toKucoinSide, toKucoinType, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import type { FuturesOrderInput, MutationResolvers, OrderCancellation, OrderPlacement, SpotOrderInput } from '../schema-types.generated.js'
import { segment, type Upstream } from '../upstream.js'

const newClientOid = (): string => randomUUID().replaceAll('-', '')

/** Drops absent fields, so KuCoin applies its own defaults. */
function compact (body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null))
}

function spotBody (input: SpotOrderInput, clientOid: string): Record<string, unknown> {
  return compact({
    clientOid,
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

function futuresBody (input: FuturesOrderInput, clientOid: string): Record<string, unknown> {
  return compact({
    clientOid,
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

function placement (data: Json, clientOid: string, market: Market): OrderPlacement {
  return { orderId: need(text(data.orderId), market, 'the new order id'), clientOid: text(data.clientOid) ?? clientOid }
}

function cancellation (data: unknown): OrderCancellation {
  const json = typeof data === 'object' && data !== null ? data as Json : {}
  const ids = json.cancelledOrderIds === undefined ? [text(json.orderId)] : list(json.cancelledOrderIds, 'futures').map(text)
  return { orderIds: ids.filter((id): id is string => id !== null), clientOids: json.clientOid === undefined ? [] : [text(json.clientOid) ?? ''] }
}

export function tradingResolvers (upstream: Upstream): MutationResolvers<GraphQLContext> {
  return {
    placeSpotOrder: async (_, { input }) => {
      const clientOid = input.clientOid ?? newClientOid()
      return placement(await upstream.write('spot', 'POST', '/api/v1/hf/orders', { body: spotBody(input, clientOid) }), clientOid, 'spot')
    },
    cancelSpotOrder: async (_, { symbol, orderId, clientOid }) => {
      const [by, id] = exactlyOne('spot', ['orderId', orderId], ['clientOid', clientOid])
      const path = by === 'orderId' ? `/api/v1/hf/orders/${segment(id)}` : `/api/v1/hf/orders/client-order/${segment(id)}`
      return cancellation(await upstream.write('spot', 'DELETE', path, { params: { symbol } }))
    },
    cancelAllSpotOrders: async (_, { symbol }) => {
      // KuCoin answers "success" without ids.
      return cancellation(await upstream.write('spot', 'DELETE', '/api/v1/hf/orders', { params: { symbol } }))
    },
    placeFuturesOrder: async (_, { input }) => {
      const clientOid = input.clientOid ?? newClientOid()
      return placement(await upstream.write('futures', 'POST', '/api/v1/orders', { body: futuresBody(input, clientOid) }), clientOid, 'futures')
    },
    cancelFuturesOrder: async (_, { orderId, clientOid, symbol }) => {
      const [by, id] = exactlyOne('futures', ['orderId', orderId], ['clientOid', clientOid])
      return cancellation(by === 'orderId'
        ? await upstream.write('futures', 'DELETE', `/api/v1/orders/${segment(id)}`)
        : await upstream.write('futures', 'DELETE', `/api/v1/orders/client-order/${segment(id)}`, { params: { symbol } }))
    },
    cancelAllFuturesOrders: async (_, { symbol }) => {
      return cancellation(await upstream.write('futures', 'DELETE', '/api/v3/orders', { params: { symbol } }))
    }
  }
}

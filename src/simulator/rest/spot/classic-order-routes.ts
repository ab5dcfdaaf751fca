// Spot's Classic (pre-HF) order endpoints. KuCoin serves them alongside the HF
// ones, and older clients still use them; here they go through the same
// order engine, so every order gets its own id, fills, holds and private WS
// events (/spotMarket/tradeOrdersV2). They differ from HF only in shape:
// lookups need no symbol, cancels answer `cancelledOrderIds`, lists are pages.
// Lookups by clientOid see only active orders (the spec: "does not exist if the
// order does not exist or has been settled"); a duplicate clientOid is 400100
// `clientOidDuplicated` (the name for it; PROTOCOL gives no code).
import { hexId, Rng } from '../../engine/random.js'
import type { SpotOrder } from '../../engine/spot-account.js'
import { spotParam } from '../errors.js'
import type { SimError } from '../errors.js'
import { visible } from '../../engine/state.js'
import { register } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'
import { orderView } from './account-routes.js'
import { parseSpotOrder } from './order-request.js'

/** The Classic order view: the HF one plus the Classic names (`isActive`, stop fields). */
function classicView (ctx: RouteContext, order: SpotOrder): Record<string, unknown> {
  return { ...orderView(ctx, order), isActive: order.active, stop: '', stopTriggered: false, stopPrice: '0' }
}

/** `lookup`: a GET, which does not see orders younger than the lookup lag. */
function byId (ctx: RouteContext, lookup = false): SpotOrder {
  const order = ctx.state.spotAccount.orders.get(ctx.params.orderId ?? '')
  if (order === undefined || (lookup && !visible(ctx.state, order.createdAt, ctx.now))) throw spotParam('order not exist.')
  return order
}

function byClientOid (ctx: RouteContext, lookup = false): SpotOrder {
  const order = ctx.state.spotAccount.findActiveByClientOid(ctx.params.clientOid ?? '')
  if (order === undefined || (lookup && !visible(ctx.state, order.createdAt, ctx.now))) throw spotParam('order not exist.')
  return order
}

const duplicated = (): SimError => spotParam('clientOidDuplicated')

function cancel (ctx: RouteContext, order: SpotOrder): void {
  if (!order.active) throw spotParam('order_not_exist_or_not_allow_to_cancel')
  ctx.state.spotAccount.cancel(order, ctx.now)
}

/** `currentPage`/`pageSize` pagination, newest first, as Classic lists are. */
function page (ctx: RouteContext, orders: SpotOrder[]): Record<string, unknown> {
  const pageSize = Math.min(500, Math.max(10, Number(ctx.query.get('pageSize') ?? 50) || 50))
  const currentPage = Math.max(1, Number(ctx.query.get('currentPage') ?? 1) || 1)
  const sorted = orders.sort((a, b) => b.createdAt - a.createdAt)
  return {
    currentPage,
    pageSize,
    totalNum: sorted.length,
    totalPage: Math.ceil(sorted.length / pageSize),
    items: sorted.slice((currentPage - 1) * pageSize, currentPage * pageSize).map(o => classicView(ctx, o))
  }
}

export function registerSpotClassicOrderRoutes (table: RouteTable): void {
  const testIds = new Rng(11)
  register(table, 'spot', {
    'POST /api/v1/orders': ctx => {
      // Classic orders require a clientOid (PROTOCOL §7), with KuCoin's validation message.
      if (ctx.body.clientOid === undefined) throw spotParam('validation.createOrder.clientOidIsRequired')
      return { orderId: ctx.state.spotAccount.place(parseSpotOrder(ctx.body, ctx.state.market), ctx.now, duplicated).id }
    },
    'POST /api/v1/orders/test': ctx => {
      parseSpotOrder(ctx.body, ctx.state.market)
      return { orderId: hexId(testIds, 12) }
    },
    'DELETE /api/v1/orders/{orderId}': ctx => {
      const order = byId(ctx)
      cancel(ctx, order)
      return { cancelledOrderIds: [order.id] }
    },
    'DELETE /api/v1/order/client-order/{clientOid}': ctx => {
      const order = byClientOid(ctx)
      cancel(ctx, order)
      return { cancelledOrderId: order.id, clientOid: order.clientOid }
    },
    'DELETE /api/v1/orders': ctx => {
      const symbol = ctx.query.get('symbol')
      const cancelled = [...ctx.state.spotAccount.orders.values()].filter(o => o.active && (symbol === null || o.symbol === symbol))
      for (const order of cancelled) ctx.state.spotAccount.cancel(order, ctx.now)
      return { cancelledOrderIds: cancelled.map(o => o.id) }
    },
    'GET /api/v1/orders': ctx => {
      const status = ctx.query.get('status')
      if (status !== null && status !== 'active' && status !== 'done') throw spotParam('status is invalid')
      const symbol = ctx.query.get('symbol')
      return page(ctx, [...ctx.state.spotAccount.orders.values()].filter(o =>
        (symbol === null || symbol === '' || o.symbol === symbol) && (status === null || o.active === (status === 'active'))))
    },
    'GET /api/v1/orders/{orderId}': ctx => classicView(ctx, byId(ctx, true)),
    'GET /api/v1/order/client-order/{clientOid}': ctx => classicView(ctx, byClientOid(ctx, true))
  })
}

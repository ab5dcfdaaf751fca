// Futures account, order and position endpoints over the demo FuturesAccount.
// Cancelling an unknown or finished order is 100004; looking one up that does
// not exist (or is younger than the lookup lag) is 100001 "The order does not
// exist.". Lookups by clientOid see done orders too.
import { futuresParam, SimError } from '../errors.js'
import { visible } from '../../engine/state.js'
import type { FuturesOrder } from '../../engine/futures-account.js'
import { contractState } from './market-routes.js'
import { parseFuturesOrder } from './order-request.js'
import { orderView, overviewView, positionView } from './views.js'
import { register, requireQuery } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'

function pageOf<T> (ctx: RouteContext, rows: T[]): Record<string, unknown> {
  const currentPage = Math.max(1, Number(ctx.query.get('currentPage') ?? 1) || 1)
  const pageSize = Math.min(1000, Math.max(1, Number(ctx.query.get('pageSize') ?? 50) || 50))
  return {
    currentPage,
    pageSize,
    totalNum: rows.length,
    totalPage: Math.ceil(rows.length / pageSize),
    items: rows.slice((currentPage - 1) * pageSize, currentPage * pageSize)
  }
}

function listOrders (ctx: RouteContext): Record<string, unknown> {
  const { status, symbol, side, type } = Object.fromEntries(ctx.query)
  if (status !== undefined && status !== 'active' && status !== 'done') throw futuresParam('status must be active or done')
  const rows = [...ctx.state.futuresAccount.orders.values()]
    .filter(o => status === undefined || o.isActive === (status === 'active'))
    .filter(o => (symbol === undefined || o.contract.symbol === symbol) && (side === undefined || o.side === side) && (type === undefined || o.type === type))
    .sort((a, b) => b.seq - a.seq)
    .map(orderView)
  return pageOf(ctx, rows)
}

function cancel (ctx: RouteContext, order: FuturesOrder | undefined): FuturesOrder {
  if (order === undefined || !order.isActive) throw new SimError('100004')
  ctx.state.futuresAccount.cancel(order, ctx.now)
  return order
}

/** A lookup's answer; an order younger than the lookup lag does not exist yet. */
function found (ctx: RouteContext, order: FuturesOrder | undefined): Record<string, unknown> {
  if (order === undefined || !visible(ctx.state, order.createdAt, ctx.now)) throw futuresParam('The order does not exist.')
  return orderView(order)
}

/** The active order with this clientOid, else the newest done one. */
function byClientOid (ctx: RouteContext, clientOid: string): FuturesOrder | undefined {
  const all = [...ctx.state.futuresAccount.orders.values()].reverse().filter(o => o.clientOid === clientOid)
  return all.find(o => o.isActive) ?? all[0]
}

export function registerFuturesAccountRoutes (table: RouteTable): void {
  register(table, 'futures', {
    'GET /api/v1/account-overview': ctx => {
      // KuCoin's default settle currency for this endpoint is XBT.
      const currency = ctx.query.get('currency') ?? 'XBT'
      return overviewView(ctx.state.market, ctx.state.futuresAccount, currency, ctx.now)
    },
    'POST /api/v1/orders': ctx => {
      const order = ctx.state.futuresAccount.place(parseFuturesOrder(ctx.body, ctx.state.market), ctx.now)
      return { orderId: order.id, clientOid: order.clientOid }
    },
    'POST /api/v1/orders/test': ctx => {
      const request = parseFuturesOrder(ctx.body, ctx.state.market)
      return { orderId: String(ctx.now * 1000), clientOid: request.clientOid }
    },
    'DELETE /api/v1/orders/{orderId}': ctx => {
      const order = cancel(ctx, ctx.state.futuresAccount.orders.get(ctx.params.orderId ?? ''))
      return { cancelledOrderIds: [order.id] }
    },
    'DELETE /api/v1/orders/client-order/{clientOid}': ctx => {
      const symbol = requireQuery(ctx, 'symbol', futuresParam)
      const order = byClientOid(ctx, ctx.params.clientOid ?? '')
      return { clientOid: cancel(ctx, order?.contract.symbol === symbol ? order : undefined).clientOid }
    },
    'DELETE /api/v3/orders': ctx => {
      const symbol = contractState(ctx).instrument.symbol
      const cancelled: string[] = []
      for (const order of ctx.state.futuresAccount.orders.values()) {
        if (order.isActive && order.contract.symbol === symbol) cancelled.push(cancel(ctx, order).id)
      }
      return { cancelledOrderIds: cancelled }
    },
    'GET /api/v1/orders': listOrders,
    'GET /api/v1/orders/{order-id}': ctx => found(ctx, ctx.state.futuresAccount.orders.get(ctx.params['order-id'] ?? '')),
    'GET /api/v1/orders/byClientOid': ctx => found(ctx, byClientOid(ctx, requireQuery(ctx, 'clientOid', futuresParam))),
    'GET /api/v1/positions': ctx => {
      const currency = ctx.query.get('currency')
      return [...ctx.state.futuresAccount.positions.values()]
        .filter(p => p.qty !== 0 && (currency === null || p.contract.settle === currency))
        .map(p => positionView(ctx.state.market, p, ctx.now))
    },
    'GET /api/v1/position': ctx => {
      const state = contractState(ctx)
      return positionView(ctx.state.market, ctx.state.futuresAccount.position(state.instrument), ctx.now)
    }
  })
}

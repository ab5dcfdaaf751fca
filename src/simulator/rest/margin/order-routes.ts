// Margin HF order endpoints (`/api/v3/hf/margin/...`) over the demo cross-margin
// account, a second SpotAccount with its own balances and no borrowing. They
// behave as spot HF orders with margin's codes: clientOid is required, a
// duplicate active clientOid is 126044, an unknown order (or one younger than
// the lookup lag) is 126043 on lookup. Lookups by clientOid see done orders.
import { SimError, spotParam } from '../errors.js'
import { register, requireQuery } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'
import { bySymbol, cancelOne, cursorPage, getOne, orderView } from '../spot/account-routes.js'
import { parseSpotOrder } from '../spot/order-request.js'
import type { SpotOrder } from '../../engine/spot-account.js'

const notExist = (): SimError => new SimError('126043')
const duplicated = (): SimError => new SimError('126044')

function place (ctx: RouteContext): SpotOrder {
  if (ctx.body.clientOid === undefined) throw spotParam('clientOid is required')
  return ctx.state.marginAccount.place(parseSpotOrder(ctx.body, ctx.state.market), ctx.now, duplicated)
}

/** The margin order view: the spot HF one, marked as a margin order. */
function marginView (ctx: RouteContext, order: SpotOrder): Record<string, unknown> {
  return { ...orderView(ctx, order), tradeType: 'MARGIN_TRADE' }
}

export function registerMarginOrderRoutes (table: RouteTable): void {
  register(table, 'spot', {
    // No borrowing is modelled: borrowSize and loanApplyId are always null.
    'POST /api/v3/hf/margin/order': ctx => {
      const order = place(ctx)
      return { orderId: order.id, clientOid: order.clientOid, borrowSize: null, loanApplyId: null }
    },
    'DELETE /api/v3/hf/margin/orders/{orderId}': ctx => cancelOne(ctx, ctx.state.marginAccount, 'orderId'),
    'DELETE /api/v3/hf/margin/orders/client-order/{clientOid}': ctx => cancelOne(ctx, ctx.state.marginAccount, 'clientOid'),
    'GET /api/v3/hf/margin/orders/{orderId}': ctx => ({ ...getOne(ctx, ctx.state.marginAccount, 'orderId', notExist), tradeType: 'MARGIN_TRADE' }),
    'GET /api/v3/hf/margin/orders/client-order/{clientOid}': ctx => ({ ...getOne(ctx, ctx.state.marginAccount, 'clientOid', notExist), tradeType: 'MARGIN_TRADE' }),
    'GET /api/v3/hf/margin/orders/active': ctx => {
      const symbol = requireQuery(ctx, 'symbol', spotParam)
      return [...ctx.state.marginAccount.orders.values()].filter(o => o.active && o.symbol === symbol).map(o => marginView(ctx, o))
    },
    'GET /api/v3/hf/margin/orders/done': ctx => {
      const page = cursorPage(ctx, bySymbol(ctx, ctx.state.marginAccount.orders.values()).filter(o => !o.active))
      return { lastId: page.lastId, items: page.items.map(o => marginView(ctx, o)) }
    }
  })
}

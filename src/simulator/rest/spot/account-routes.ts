// Spot account and HF order endpoints over the demo SpotAccount. An unknown
// order is 400100 "order_not_exist_or_not_allow_to_cancel" on cancel (what
// KuCoin answers) and 102436 "The order does not exist." on lookup, as is an
// order younger than the lookup lag. HF lookups by clientOid see done orders.
import { fmt } from '../../engine/decimal.js'
import { SimError, spotParam } from '../errors.js'
import { hexId, Rng } from '../../engine/random.js'
import { register, requireQuery } from '../routes.js'
import type { RouteContext, RouteTable } from '../routes.js'
import { TAKER_FEE } from '../../engine/spot-account.js'
import type { Balance, SpotAccount, SpotFill, SpotOrder } from '../../engine/spot-account.js'
import { visible } from '../../engine/state.js'
import { checkTimeWindow, parseSpotOrder } from './order-request.js'

const AMOUNT_DECIMALS = 8

function balanceView (b: Balance): Record<string, string> {
  return { currency: b.currency, balance: fmt(b.balance, 8), available: fmt(b.balance - b.holds, 8), holds: fmt(b.holds, 8) }
}

export function orderView (ctx: RouteContext, o: SpotOrder): Record<string, unknown> {
  const p = ctx.state.market.spot.get(o.symbol)?.instrument.priceDecimals ?? AMOUNT_DECIMALS
  const a = (n: number): string => fmt(n, AMOUNT_DECIMALS)
  return {
    id: o.id,
    clientOid: o.clientOid,
    symbol: o.symbol,
    opType: 'DEAL',
    type: o.type,
    side: o.side,
    price: fmt(o.price, p),
    size: a(o.size),
    funds: a(o.funds),
    dealSize: a(o.dealSize),
    dealFunds: a(o.dealFunds),
    remainSize: a(Math.max(0, o.size - o.dealSize - o.cancelledSize)),
    remainFunds: a(Math.max(0, o.funds - o.dealFunds - o.cancelledFunds)),
    cancelledSize: a(o.cancelledSize),
    cancelledFunds: a(o.cancelledFunds),
    fee: fmt(o.fee, 12),
    feeCurrency: o.quote,
    stp: null,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    hidden: o.hidden,
    iceberg: o.iceberg,
    visibleSize: '0',
    cancelAfter: 0,
    channel: 'API',
    remark: o.remark,
    tags: o.tags,
    cancelExist: o.cancelExist,
    tradeType: 'TRADE',
    inOrderBook: o.active,
    active: o.active,
    tax: '0',
    createdAt: o.createdAt,
    lastUpdatedAt: o.lastUpdatedAt
  }
}

function fillView (ctx: RouteContext, f: SpotFill): Record<string, unknown> {
  const p = ctx.state.market.spot.get(f.symbol)?.instrument.priceDecimals ?? AMOUNT_DECIMALS
  return {
    id: f.id,
    orderId: f.orderId,
    counterOrderId: f.counterOrderId,
    tradeId: f.tradeId,
    symbol: f.symbol,
    side: f.side,
    liquidity: 'taker',
    type: f.type,
    forceTaker: false,
    price: fmt(f.price, p),
    size: fmt(f.size, AMOUNT_DECIMALS),
    funds: fmt(f.funds, AMOUNT_DECIMALS),
    fee: fmt(f.fee, 12),
    feeRate: String(TAKER_FEE),
    feeCurrency: f.feeCurrency,
    stop: '',
    tradeType: 'TRADE',
    taxRate: '0',
    tax: '0',
    createdAt: f.createdAt
  }
}

/** Looks an order up by id or clientOid within `symbol` (required, as on KuCoin); `lookup` hides orders younger than the lookup lag. */
export function findOrder (ctx: RouteContext, account: SpotAccount, by: 'orderId' | 'clientOid', lookup = false): SpotOrder | undefined {
  const symbol = requireQuery(ctx, 'symbol', spotParam)
  const id = ctx.params[by] ?? ''
  const seen = (o: SpotOrder): boolean => !lookup || visible(ctx.state, o.createdAt, ctx.now)
  const order = by === 'orderId' ? account.orders.get(id) : account.findByClientOid(id, seen)
  return order?.symbol === symbol && seen(order) ? order : undefined
}

export function cancelOne (ctx: RouteContext, account: SpotAccount, by: 'orderId' | 'clientOid'): Record<string, string> {
  const order = findOrder(ctx, account, by)
  if (order === undefined || !order.active) throw spotParam('order_not_exist_or_not_allow_to_cancel')
  account.cancel(order, ctx.now)
  return by === 'orderId' ? { orderId: order.id } : { clientOid: order.clientOid }
}

/** A single-order lookup; `notFound` is the market's "order does not exist" error. */
export function getOne (ctx: RouteContext, account: SpotAccount, by: 'orderId' | 'clientOid', notFound: () => SimError): Record<string, unknown> {
  const order = findOrder(ctx, account, by, true)
  if (order === undefined) throw notFound()
  return orderView(ctx, order)
}

/** An HF placement: the time window is checked on arrival, before anything is placed. */
function placeHf (ctx: RouteContext): SpotOrder {
  const request = parseSpotOrder(ctx.body, ctx.state.market)
  checkTimeWindow(request, ctx.now)
  return ctx.state.spotAccount.place(request, ctx.now)
}

/** The `/hf/orders/sync` answer: the order's state right after matching. */
function syncView (o: SpotOrder): Record<string, unknown> {
  const a = (n: number): string => fmt(n, AMOUNT_DECIMALS)
  return {
    orderId: o.id,
    clientOid: o.clientOid,
    orderTime: o.createdAt,
    originSize: a(o.size),
    dealSize: a(o.dealSize),
    remainSize: a(Math.max(0, o.size - o.dealSize - o.cancelledSize)),
    canceledSize: a(o.cancelledSize),
    status: o.active ? 'open' : 'done',
    matchTime: o.lastUpdatedAt
  }
}

const notExist = (): SimError => new SimError('102436')

/** KuCoin's cursor pagination: newest first, `lastId` from the previous page, `limit` ≤ 100. */
export function cursorPage<T extends { seq: number }> (ctx: RouteContext, rows: T[]): { lastId: number, items: T[] } {
  const lastId = Number(ctx.query.get('lastId') ?? 0)
  const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 20) || 20))
  const items = rows
    .filter(row => lastId <= 0 || row.seq < lastId)
    .sort((a, b) => b.seq - a.seq)
    .slice(0, limit)
  return { lastId: items[items.length - 1]?.seq ?? 0, items }
}

export function bySymbol<T extends { symbol: string }> (ctx: RouteContext, rows: Iterable<T>): T[] {
  const symbol = ctx.query.get('symbol')
  return [...rows].filter(row => symbol === null || symbol === '' || row.symbol === symbol)
}

export function registerSpotAccountRoutes (table: RouteTable): void {
  const testIds = new Rng(7)
  register(table, 'spot', {
    'GET /api/v1/accounts': ctx => {
      const { currency, type } = Object.fromEntries(ctx.query)
      return ctx.state.spotAccount.accounts()
        .filter(b => (currency === undefined || b.currency === currency) && (type === undefined || b.type === type))
        .map(b => ({ id: b.id, type: b.type, ...balanceView(b) }))
    },
    'GET /api/v1/accounts/{accountId}': ctx => {
      const found = ctx.state.spotAccount.accounts().find(b => b.id === ctx.params.accountId)
      if (found === undefined) throw spotParam('account not exist')
      return balanceView(found)
    },
    'POST /api/v1/hf/orders': ctx => {
      const order = placeHf(ctx)
      return { orderId: order.id, clientOid: order.clientOid }
    },
    'POST /api/v1/hf/orders/sync': ctx => syncView(placeHf(ctx)),
    'POST /api/v1/hf/orders/test': ctx => {
      const request = parseSpotOrder(ctx.body, ctx.state.market)
      checkTimeWindow(request, ctx.now)
      return { orderId: hexId(testIds, 12), clientOid: request.clientOid ?? hexId(testIds, 16) }
    },
    'DELETE /api/v1/hf/orders/{orderId}': ctx => cancelOne(ctx, ctx.state.spotAccount, 'orderId'),
    'DELETE /api/v1/hf/orders/client-order/{clientOid}': ctx => cancelOne(ctx, ctx.state.spotAccount, 'clientOid'),
    'DELETE /api/v1/hf/orders': ctx => {
      const symbol = requireQuery(ctx, 'symbol', spotParam)
      for (const order of ctx.state.spotAccount.orders.values()) {
        if (order.active && order.symbol === symbol) ctx.state.spotAccount.cancel(order, ctx.now)
      }
      return 'success'
    },
    'GET /api/v1/hf/orders/active': ctx => {
      const symbol = requireQuery(ctx, 'symbol', spotParam)
      return [...ctx.state.spotAccount.orders.values()]
        .filter(o => o.active && o.symbol === symbol)
        .map(o => orderView(ctx, o))
    },
    'GET /api/v1/hf/orders/{orderId}': ctx => getOne(ctx, ctx.state.spotAccount, 'orderId', notExist),
    'GET /api/v1/hf/orders/client-order/{clientOid}': ctx => getOne(ctx, ctx.state.spotAccount, 'clientOid', notExist),
    'GET /api/v1/hf/orders/done': ctx => {
      const page = cursorPage(ctx, bySymbol(ctx, ctx.state.spotAccount.orders.values()).filter(o => !o.active))
      return { lastId: page.lastId, items: page.items.map(o => orderView(ctx, o)) }
    },
    'GET /api/v1/hf/fills': ctx => {
      const orderId = ctx.query.get('orderId')
      const fills = bySymbol(ctx, ctx.state.spotAccount.fills)
        .filter(f => orderId === null || f.orderId === orderId)
        .map(f => ({ ...f, seq: f.id }))
      const page = cursorPage(ctx, fills)
      return { items: page.items.map(f => fillView(ctx, f)), lastId: page.lastId }
    }
  })
}

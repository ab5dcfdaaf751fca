// Private push messages (PROTOCOL §6.2, §6.4) rendered from the demo
// accounts' change events. Every key trades the one demo account, so every
// private message carries that account's userId.
import { fmt } from '../engine/decimal.js'
import type { FuturesAccount, FuturesOrder } from '../engine/futures-account.js'
import { overviewView, positionView } from '../rest/futures/views.js'
import type { SyntheticMarket } from '../engine/market.js'
import { nanos } from '../engine/quote-format.js'
import type { SpotEvent, SpotOrderEventType } from '../engine/spot-account.js'

type Message = Record<string, unknown>
type SpotOrderEvent = Extract<SpotEvent, { kind: 'order' }>
type SpotBalanceEvent = Extract<SpotEvent, { kind: 'balance' }>

const AMOUNT = 8

function privateMessage (topic: string, subject: string, userId: string, data: unknown, id?: string): Message {
  const head = id === undefined ? { topic, type: 'message', subject } : { topic, type: 'message', subject, id }
  return { ...head, userId, channelType: 'private', data }
}

const SPOT_STATUS: Record<SpotOrderEventType, string> = { received: 'new', open: 'open', match: 'match', filled: 'done', canceled: 'done' }

/** orderChange on `/spotMarket/tradeOrdersV2` or `/spotMarket/tradeOrders`; `received` carries only the spec's required fields. */
export function spotOrderChange (event: SpotOrderEvent, topic: string, userId: string, priceDecimals: number): Message {
  const o = event.order
  const a = (n: number): string => fmt(n, AMOUNT)
  const head = { clientOid: o.clientOid, orderId: o.id, orderTime: o.createdAt, orderType: o.type, originSize: a(o.size) }
  const tail = { side: o.side, status: SPOT_STATUS[event.type], symbol: o.symbol, ts: nanos(event.time), type: event.type }
  if (event.type === 'received') return privateMessage(topic, 'orderChange', userId, { ...head, ...tail })
  const data: Record<string, unknown> = {
    canceledSize: a(o.cancelledSize),
    ...head,
    filledSize: a(o.dealSize),
    price: fmt(o.price, priceDecimals),
    remainSize: a(Math.max(0, o.size - o.dealSize - o.cancelledSize)),
    ...tail,
    size: a(o.size)
  }
  // Only a market order given by funds has funds left to report.
  if (o.size === 0) data.remainFunds = a(Math.max(0, o.funds - o.dealFunds - o.cancelledFunds))
  if (event.type === 'match' && event.fill !== undefined) {
    Object.assign(data, { liquidity: 'taker', feeType: 'takerFee', matchPrice: fmt(event.fill.price, priceDecimals), matchSize: a(event.fill.size), tradeId: String(event.fill.tradeId) })
  }
  return privateMessage(topic, 'orderChange', userId, data)
}

/** account.balance on `/account/balance`; `id` and `relationEventId` are the event's sequence number. */
export function spotBalance (event: SpotBalanceEvent, userId: string, eventId: string): Message {
  const b = event.balance
  const a = (n: number): string => fmt(n, AMOUNT)
  return privateMessage('/account/balance', 'account.balance', userId, {
    accountId: b.id,
    currency: b.currency,
    total: a(b.balance),
    available: a(b.balance - b.holds),
    hold: a(b.holds),
    availableChange: a(event.availableChange),
    holdChange: a(event.holdChange),
    relationContext: { symbol: event.order.symbol, orderId: event.order.id },
    relationEvent: event.relationEvent,
    relationEventId: eventId,
    time: String(event.time)
  }, eventId)
}

const FUTURES_STATUS = { open: 'open', match: 'match', filled: 'done', canceled: 'done' } as const

/** symbolOrderChange; pushed with the per-symbol topic also to `/contractMarket/tradeOrders` subscribers (as the spec example shows). */
export function futuresOrderChange (o: FuturesOrder, type: keyof typeof FUTURES_STATUS, time: number, userId: string): Message {
  const p = o.contract.priceDecimals
  const canceled = o.cancelExist ? o.size - o.dealSize : 0
  const data: Record<string, unknown> = {
    symbol: o.contract.symbol,
    orderType: o.type,
    side: o.side,
    canceledSize: String(canceled),
    orderId: o.id,
    liquidity: o.dealSize > 0 ? 'taker' : 'maker',
    marginMode: o.marginMode,
    type,
    orderTime: nanos(o.createdAt),
    size: String(o.size),
    filledSize: String(o.dealSize),
    price: fmt(o.price, p),
    remainSize: String(Math.max(0, o.size - o.dealSize - canceled)),
    status: FUTURES_STATUS[type],
    ts: nanos(time),
    clientOid: o.clientOid,
    tradeType: 'trade'
  }
  if (type === 'match') Object.assign(data, { feeType: 'takerFee', matchPrice: fmt(o.avgDealPrice, p), matchSize: String(o.dealSize), tradeId: String(o.seq) })
  return privateMessage(`/contractMarket/tradeOrders:${o.contract.symbol}`, 'symbolOrderChange', userId, data)
}

// The fields of the spec's position.change example, in its order.
const POSITION_FIELDS = [
  'symbol', 'maintMarginReq', 'riskLimit', 'realLeverage', 'crossMode', 'delevPercentage', 'openingTimestamp', 'autoDeposit',
  'currentTimestamp', 'currentQty', 'currentCost', 'currentComm', 'unrealisedCost', 'realisedCost', 'isOpen', 'markPrice',
  'markValue', 'posCost', 'posCross', 'posInit', 'posComm', 'posLoss', 'posMargin', 'posFunding', 'posMaint', 'maintMargin',
  'avgEntryPrice', 'liquidationPrice', 'bankruptPrice', 'settleCurrency', 'changeReason', 'riskLimitLevel', 'realisedGrossCost',
  'realisedGrossPnl', 'realisedPnl', 'unrealisedPnl', 'unrealisedPnlPcnt', 'unrealisedRoePcnt', 'leverage', 'marginMode', 'positionSide'
]

/** position.change with topic `/contract/position:{symbol}` (also for `/contract/positionAll`). */
export function futuresPosition (view: Record<string, unknown>, userId: string): Message {
  const full: Record<string, unknown> = { ...view, posCross: 0, posComm: view.currentComm, posLoss: 0, posFunding: 0, changeReason: 'positionChange' }
  const data = Object.fromEntries(POSITION_FIELDS.map(field => [field, full[field]]))
  return { topic: `/contract/position:${String(view.symbol)}`, type: 'message', data, subject: 'position.change', userId, channelType: 'private' }
}

export function positionMessage (market: SyntheticMarket, position: Parameters<typeof positionView>[1], now: number, userId: string): Message {
  return futuresPosition(positionView(market, position, now), userId)
}

/** walletBalance.change on `/contractAccount/wallet`: isolated margin only, all amounts as strings. */
export function futuresWallet (market: SyntheticMarket, account: FuturesAccount, currency: string, now: number, userId: string, version: number): Message {
  const view = overviewView(market, account, currency, now) as Record<string, number>
  const s = (n: number | undefined): string => fmt(n ?? 0, AMOUNT)
  return privateMessage('/contractAccount/wallet', 'walletBalance.change', userId, {
    crossPosMargin: '0',
    isolatedOrderMargin: s(view.orderMargin),
    holdBalance: '0',
    equity: s(view.accountEquity),
    version: String(version),
    availableBalance: s(view.availableBalance),
    isolatedPosMargin: s(view.positionMargin),
    walletBalance: s(view.marginBalance),
    isolatedFundingFeeMargin: '0',
    crossUnPnl: '0',
    totalCrossMargin: s(view.availableBalance),
    currency,
    isolatedUnPnl: s(view.unrealisedPNL),
    crossOrderMargin: '0',
    timestamp: String(now)
  }, now.toString(16).padStart(24, '0'))
}

// KuCoin's private account shapes (spot HF orders and fills, futures
// overview, positions and orders) → the schema's.
import { bool, dec, fromMillis, need, orderType, side, text, type Json } from '../convert.js'
import type { Balance, FuturesAccountOverview, FuturesOrder, FuturesPosition, SpotFill, SpotOrder } from '../schema-types.generated.js'

export function balance (data: Json): Balance {
  const m = 'spot'
  return {
    id: need(text(data.id), m, 'the account id'),
    currency: need(text(data.currency), m, 'the currency'),
    type: text(data.type) ?? '',
    balance: need(dec(data.balance), m, 'the balance'),
    available: need(dec(data.available), m, 'the available amount'),
    holds: need(dec(data.holds), m, 'the held amount')
  }
}

export function spotOrder (data: Json): SpotOrder {
  const m = 'spot'
  return {
    id: need(text(data.id), m, 'the order id'),
    clientOid: text(data.clientOid) ?? '',
    symbol: need(text(data.symbol), m, 'the symbol'),
    type: orderType(data.type, m),
    side: side(data.side, m),
    price: dec(data.price) ?? '0',
    size: dec(data.size) ?? '0',
    funds: dec(data.funds) ?? '0',
    dealSize: dec(data.dealSize) ?? '0',
    dealFunds: dec(data.dealFunds) ?? '0',
    remainSize: dec(data.remainSize),
    remainFunds: dec(data.remainFunds),
    cancelledSize: dec(data.cancelledSize),
    cancelledFunds: dec(data.cancelledFunds),
    fee: dec(data.fee) ?? '0',
    feeCurrency: text(data.feeCurrency) ?? '',
    timeInForce: text(data.timeInForce),
    postOnly: bool(data.postOnly) ?? false,
    hidden: bool(data.hidden) ?? false,
    iceberg: bool(data.iceberg) ?? false,
    remark: text(data.remark),
    tags: text(data.tags),
    active: bool(data.active) ?? false,
    inOrderBook: bool(data.inOrderBook),
    cancelExist: bool(data.cancelExist) ?? false,
    createdAt: need(fromMillis(data.createdAt), m, 'the creation time'),
    lastUpdatedAt: fromMillis(data.lastUpdatedAt)
  }
}

export function spotFill (data: Json): SpotFill {
  const m = 'spot'
  return {
    id: need(text(data.id), m, 'the fill id'),
    orderId: need(text(data.orderId), m, 'the order id'),
    counterOrderId: text(data.counterOrderId),
    tradeId: need(text(data.tradeId), m, 'the trade id'),
    symbol: need(text(data.symbol), m, 'the symbol'),
    side: side(data.side, m),
    liquidity: text(data.liquidity),
    type: data.type === undefined || data.type === null ? null : orderType(data.type, m),
    price: need(dec(data.price), m, 'the price'),
    size: need(dec(data.size), m, 'the size'),
    funds: need(dec(data.funds), m, 'the funds'),
    fee: dec(data.fee) ?? '0',
    feeRate: dec(data.feeRate),
    feeCurrency: text(data.feeCurrency) ?? '',
    createdAt: need(fromMillis(data.createdAt), m, 'the fill time')
  }
}

export function futuresOverview (data: Json): FuturesAccountOverview {
  const m = 'futures'
  return {
    currency: need(text(data.currency), m, 'the currency'),
    accountEquity: need(dec(data.accountEquity), m, 'accountEquity'),
    unrealisedPnl: dec(data.unrealisedPNL) ?? '0',
    marginBalance: need(dec(data.marginBalance), m, 'marginBalance'),
    positionMargin: dec(data.positionMargin) ?? '0',
    orderMargin: dec(data.orderMargin) ?? '0',
    frozenFunds: dec(data.frozenFunds) ?? '0',
    availableBalance: need(dec(data.availableBalance), m, 'availableBalance'),
    riskRatio: dec(data.riskRatio),
    maxWithdrawAmount: dec(data.maxWithdrawAmount)
  }
}

export function futuresPosition (data: Json): FuturesPosition {
  const m = 'futures'
  return {
    id: need(text(data.id), m, 'the position id'),
    symbol: need(text(data.symbol), m, 'the symbol'),
    isOpen: bool(data.isOpen) ?? false,
    currentQty: dec(data.currentQty) ?? '0',
    avgEntryPrice: dec(data.avgEntryPrice) ?? '0',
    markPrice: need(dec(data.markPrice), m, 'the mark price'),
    markValue: dec(data.markValue),
    liquidationPrice: dec(data.liquidationPrice),
    bankruptPrice: dec(data.bankruptPrice),
    leverage: dec(data.leverage),
    realLeverage: dec(data.realLeverage),
    marginMode: text(data.marginMode),
    posMargin: dec(data.posMargin),
    posMaint: dec(data.posMaint),
    maintMargin: dec(data.maintMargin),
    unrealisedPnl: dec(data.unrealisedPnl) ?? '0',
    unrealisedPnlPcnt: dec(data.unrealisedPnlPcnt),
    unrealisedRoePcnt: dec(data.unrealisedRoePcnt),
    realisedPnl: dec(data.realisedPnl),
    settleCurrency: need(text(data.settleCurrency), m, 'the settlement currency'),
    isInverse: bool(data.isInverse),
    openingTimestamp: fromMillis(data.openingTimestamp),
    currentTimestamp: fromMillis(data.currentTimestamp)
  }
}

export function futuresOrder (data: Json): FuturesOrder {
  const m = 'futures'
  return {
    id: need(text(data.id), m, 'the order id'),
    clientOid: text(data.clientOid),
    symbol: need(text(data.symbol), m, 'the symbol'),
    type: orderType(data.type, m),
    side: side(data.side, m),
    price: dec(data.price) ?? '0',
    size: need(dec(data.size), m, 'the size'),
    value: dec(data.value),
    filledSize: dec(data.filledSize ?? data.dealSize) ?? '0',
    filledValue: dec(data.filledValue ?? data.dealValue),
    avgDealPrice: dec(data.avgDealPrice),
    leverage: dec(data.leverage),
    marginMode: text(data.marginMode),
    timeInForce: text(data.timeInForce),
    postOnly: bool(data.postOnly) ?? false,
    hidden: bool(data.hidden) ?? false,
    iceberg: bool(data.iceberg) ?? false,
    reduceOnly: bool(data.reduceOnly) ?? false,
    closeOrder: bool(data.closeOrder) ?? false,
    isActive: bool(data.isActive) ?? false,
    status: text(data.status) ?? '',
    cancelExist: bool(data.cancelExist) ?? false,
    settleCurrency: text(data.settleCurrency),
    remark: text(data.remark),
    createdAt: need(fromMillis(data.createdAt), m, 'the creation time'),
    updatedAt: fromMillis(data.updatedAt),
    endAt: fromMillis(data.endAt)
  }
}

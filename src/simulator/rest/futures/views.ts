// JSON shapes of the futures account endpoints, valued at the live mark
// price. Field names and types follow the spec examples (numbers for most
// amounts, strings for order prices and values).
import { fmt, round } from '../../engine/decimal.js'
import { contractValue, pnl } from '../../engine/futures-account.js'
import type { FuturesAccount, FuturesOrder, Position } from '../../engine/futures-account.js'
import type { SyntheticMarket } from '../../engine/market.js'
import { nanos } from '../../engine/quote-format.js'

const MAINT_MARGIN = 0.004
const AMOUNT = 8

function markPrice (market: SyntheticMarket, symbol: string, now: number): number {
  const state = market.futures.get(symbol)
  return state === undefined ? 0 : market.fairPrice(state, now)
}

export function orderView (o: FuturesOrder): Record<string, unknown> {
  const p = o.contract.priceDecimals
  return {
    id: o.id,
    symbol: o.contract.symbol,
    type: o.type,
    side: o.side,
    price: fmt(o.price, p),
    size: o.size,
    value: fmt(o.price > 0 ? contractValue(o.contract, o.size, o.price) : o.dealValue, AMOUNT),
    dealValue: fmt(o.dealValue, AMOUNT),
    dealSize: o.dealSize,
    stp: '',
    stop: '',
    stopPriceType: '',
    stopTriggered: false,
    stopPrice: null,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    hidden: o.hidden,
    iceberg: o.iceberg,
    leverage: String(o.leverage),
    forceHold: false,
    closeOrder: o.closeOrder,
    visibleSize: 0,
    clientOid: o.clientOid,
    remark: o.remark,
    tags: '',
    isActive: o.isActive,
    cancelExist: o.cancelExist,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    endAt: o.endAt,
    orderTime: nanos(o.createdAt),
    settleCurrency: o.contract.settle,
    marginMode: o.marginMode,
    avgDealPrice: fmt(o.avgDealPrice, p),
    filledSize: o.dealSize,
    filledValue: fmt(o.dealValue, AMOUNT),
    status: o.isActive ? 'open' : 'done',
    reduceOnly: o.reduceOnly
  }
}

export function positionView (market: SyntheticMarket, position: Position, now: number): Record<string, unknown> {
  const c = position.contract
  const mark = markPrice(market, c.symbol, now)
  const lots = Math.abs(position.qty)
  const cost = Math.sign(position.qty) * contractValue(c, lots, position.avgEntryPrice || mark)
  const markValue = Math.sign(position.qty) * contractValue(c, lots, mark)
  const unrealised = lots === 0 ? 0 : pnl(c, position.qty, position.avgEntryPrice, mark)
  const maint = Math.abs(markValue) * MAINT_MARGIN
  // Isolated margin: the price at which the margin (less maintenance) is lost.
  const liquidationMove = lots === 0 ? 0 : (position.posMargin - maint) / (lots * Math.abs(c.multiplier))
  const liquidationPrice = lots === 0 || c.inverse ? 0 : position.avgEntryPrice - Math.sign(position.qty) * liquidationMove
  const p = c.priceDecimals
  return {
    id: position.id,
    symbol: c.symbol,
    autoDeposit: false,
    crossMode: false,
    maintMarginReq: MAINT_MARGIN,
    riskLimit: 100000,
    realLeverage: position.posMargin > 0 ? round(Math.abs(markValue) / position.posMargin, 2) : 0,
    delevPercentage: 0.5,
    openingTimestamp: position.openingTimestamp,
    currentTimestamp: now,
    currentQty: position.qty,
    currentCost: round(cost, AMOUNT),
    currentComm: round(position.fees, AMOUNT),
    unrealisedCost: round(cost, AMOUNT),
    realisedGrossCost: 0,
    realisedCost: round(position.fees, AMOUNT),
    isOpen: lots > 0,
    markPrice: round(mark, p),
    markValue: round(markValue, AMOUNT),
    posCost: round(cost, AMOUNT),
    posInit: round(position.posMargin, AMOUNT),
    posMargin: round(position.posMargin, AMOUNT),
    posMaint: round(maint, AMOUNT),
    maintMargin: round(position.posMargin + unrealised, AMOUNT),
    realisedGrossPnl: round(position.realisedPnl, AMOUNT),
    realisedPnl: round(position.realisedPnl - position.fees, AMOUNT),
    unrealisedPnl: round(unrealised, AMOUNT),
    unrealisedPnlPcnt: cost === 0 ? 0 : round(unrealised / Math.abs(cost), 4),
    unrealisedRoePcnt: position.posMargin === 0 ? 0 : round(unrealised / position.posMargin, 4),
    avgEntryPrice: round(position.avgEntryPrice, p),
    liquidationPrice: round(Math.max(0, liquidationPrice), p),
    bankruptPrice: round(Math.max(0, liquidationPrice), p),
    settleCurrency: c.settle,
    isInverse: c.inverse,
    maintainMargin: MAINT_MARGIN,
    riskLimitLevel: 1,
    marginMode: 'ISOLATED',
    positionSide: 'BOTH',
    leverage: position.leverage
  }
}

export function overviewView (market: SyntheticMarket, account: FuturesAccount, currency: string, now: number): Record<string, unknown> {
  let positionMargin = 0
  let unrealised = 0
  let maintenance = 0
  for (const p of account.positions.values()) {
    if (p.contract.settle !== currency || p.qty === 0) continue
    const mark = markPrice(market, p.contract.symbol, now)
    positionMargin += p.posMargin
    unrealised += pnl(p.contract, p.qty, p.avgEntryPrice, mark)
    maintenance += contractValue(p.contract, Math.abs(p.qty), mark) * MAINT_MARGIN
  }
  const wallet = account.walletBalance(currency)
  const available = account.available(currency)
  const equity = wallet + unrealised
  return {
    accountEquity: round(equity, AMOUNT),
    unrealisedPNL: round(unrealised, AMOUNT),
    marginBalance: round(wallet, AMOUNT),
    positionMargin: round(positionMargin, AMOUNT),
    orderMargin: round(wallet - available - positionMargin, AMOUNT),
    frozenFunds: 0,
    availableBalance: round(available, AMOUNT),
    currency,
    riskRatio: equity > 0 ? round(maintenance / equity, 10) : 0,
    maxWithdrawAmount: round(Math.max(0, available), AMOUNT)
  }
}

// The demo futures account: wallet per settle currency, orders and one-way
// (BOTH) positions with isolated margin. Crossing and market orders fill at
// once at the best opposite price; resting orders hold order margin and are
// never filled later by the synthetic market.
import { SimError } from '../rest/errors.js'
import { Listeners } from './events.js'
import type { FuturesOrderRequest } from '../rest/futures/order-request.js'
import type { FuturesContract } from './instruments.js'
import { takerPrice } from './quote-format.js'
import { Rng } from './random.js'

export const FUTURES_TAKER_FEE = 0.0006

export interface FuturesOrder extends Omit<FuturesOrderRequest, 'state'> {
  seq: number
  id: string
  contract: FuturesContract
  dealSize: number
  dealValue: number
  avgDealPrice: number
  /** Order margin still held by this order. */
  margin: number
  isActive: boolean
  cancelExist: boolean
  createdAt: number
  updatedAt: number
  endAt: number | null
}

export interface Position {
  contract: FuturesContract
  id: string
  /** Signed lots: positive long, negative short. */
  qty: number
  avgEntryPrice: number
  leverage: number
  posMargin: number
  realisedPnl: number
  fees: number
  openingTimestamp: number
}

/** Contract value in the settle currency: linear `lots × multiplier × price`, inverse `lots × |multiplier| / price`. */
export function contractValue (c: FuturesContract, lots: number, price: number): number {
  return c.inverse ? lots * Math.abs(c.multiplier) / price : lots * c.multiplier * price
}

/** Profit of `qty` signed lots entered at `entry`, valued at `price`. */
export function pnl (c: FuturesContract, qty: number, entry: number, price: number): number {
  return c.inverse
    ? qty * Math.abs(c.multiplier) * (1 / entry - 1 / price)
    : qty * c.multiplier * (price - entry)
}

/** What changed, after a place or cancel succeeded; the WebSocket half renders private messages from it. */
export type FuturesEvent =
  | { kind: 'order', type: 'open' | 'match' | 'filled' | 'canceled', order: FuturesOrder, time: number }
  | { kind: 'position', position: Position, time: number }
  | { kind: 'wallet', currency: string, time: number }

export class FuturesAccount {
  readonly orders = new Map<string, FuturesOrder>()
  readonly positions = new Map<string, Position>()
  readonly events = new Listeners<FuturesEvent>()
  private readonly wallet = new Map<string, number>()
  private readonly activeClientOids = new Set<string>()
  private readonly rng: Rng
  // KuCoin's futures ids are 18-digit numbers, beyond float precision.
  private nextId: bigint

  constructor (seed: number, initial: Readonly<Record<string, number>>) {
    this.rng = new Rng(seed)
    this.nextId = 230_000_000_000_000_000n + BigInt(this.rng.int(0, 1e9)) * 1000n
    for (const [currency, amount] of Object.entries(initial)) this.wallet.set(currency, amount)
  }

  walletBalance (currency: string): number {
    return this.wallet.get(currency) ?? 0
  }

  /** Wallet minus position and order margin in `currency`. */
  available (currency: string): number {
    let used = 0
    for (const p of this.positions.values()) if (p.contract.settle === currency) used += p.posMargin
    for (const o of this.orders.values()) if (o.isActive && o.contract.settle === currency) used += o.margin
    return this.walletBalance(currency) - used
  }

  position (c: FuturesContract): Position {
    let found = this.positions.get(c.symbol)
    if (found === undefined) {
      found = { contract: c, id: String(500_000_000_000_000_000n + BigInt(this.rng.int(0, 1e9))), qty: 0, avgEntryPrice: 0, leverage: 1, posMargin: 0, realisedPnl: 0, fees: 0, openingTimestamp: 0 }
      this.positions.set(c.symbol, found)
    }
    return found
  }

  /** How many orders were ever created with this clientOid. */
  countByClientOid (clientOid: string): number {
    let count = 0
    for (const order of this.orders.values()) if (order.clientOid === clientOid) count++
    return count
  }

  /** Places and executes an order; throws 300018 (clientOid of an active order) / 300003 before changing anything. */
  place (request: FuturesOrderRequest, now: number): FuturesOrder {
    if (this.activeClientOids.has(request.clientOid)) throw new SimError('300018')
    const { state, ...fields } = request
    const order: FuturesOrder = {
      ...fields,
      seq: this.orders.size + 1,
      id: String(this.nextId += BigInt(this.rng.int(1, 4096))),
      contract: state.instrument,
      dealSize: 0,
      dealValue: 0,
      avgDealPrice: 0,
      margin: 0,
      isActive: false,
      cancelExist: false,
      createdAt: now,
      updatedAt: now,
      endAt: now
    }
    const bookPrice = takerPrice(state, request.side)
    const crosses = bookPrice !== undefined && (request.type === 'market' ||
      (request.side === 'buy' ? request.price >= bookPrice : request.price <= bookPrice))
    if (crosses && !request.postOnly) this.fill(order, bookPrice, now)
    else if (request.type === 'limit' && !crosses && request.timeInForce === 'GTC') this.rest(order)
    else order.cancelExist = true
    this.orders.set(order.id, order)
    if (this.events.active) this.report(order, now)
    return order
  }

  cancel (order: FuturesOrder, now: number): void {
    order.isActive = false
    order.margin = 0
    order.cancelExist = true
    order.updatedAt = now
    order.endAt = now
    this.activeClientOids.delete(order.clientOid)
    if (!this.events.active) return
    this.events.emit({ kind: 'order', type: 'canceled', order, time: now })
    this.events.emit({ kind: 'wallet', currency: order.contract.settle, time: now })
  }

  private report (order: FuturesOrder, time: number): void {
    const emit = (type: 'open' | 'match' | 'filled' | 'canceled'): void => this.events.emit({ kind: 'order', type, order, time })
    if (order.dealSize > 0) {
      emit('match')
      emit('filled')
      this.events.emit({ kind: 'position', position: this.position(order.contract), time })
    } else {
      emit(order.isActive ? 'open' : 'canceled')
      // A cancelled-at-once order held nothing, so the wallet did not change.
      if (!order.isActive) return
    }
    this.events.emit({ kind: 'wallet', currency: order.contract.settle, time })
  }

  private rest (order: FuturesOrder): void {
    const margin = contractValue(order.contract, order.size, order.price) / order.leverage
    if (this.available(order.contract.settle) < margin) throw new SimError('300003')
    Object.assign(order, { margin, isActive: true, endAt: null })
    this.activeClientOids.add(order.clientOid)
  }

  private fill (order: FuturesOrder, price: number, now: number): void {
    const c = order.contract
    const position = this.position(c)
    const signed = order.side === 'buy' ? order.size : -order.size
    const closing = position.qty * signed < 0 ? Math.min(order.size, Math.abs(position.qty)) : 0
    const opening = order.size - closing
    const value = contractValue(c, order.size, price)
    const fee = value * FUTURES_TAKER_FEE
    const openMargin = contractValue(c, opening, price) / order.leverage
    if (this.available(c.settle) < openMargin + fee) throw new SimError('300003')
    if (closing > 0) this.reduce(position, closing, price)
    if (opening > 0) this.increase(position, Math.sign(signed) * opening, price, openMargin, order.leverage, now)
    position.fees += fee
    this.wallet.set(c.settle, this.walletBalance(c.settle) - fee)
    Object.assign(order, { dealSize: order.size, dealValue: value, avgDealPrice: price, updatedAt: now })
  }

  private reduce (position: Position, lots: number, price: number): void {
    const direction = Math.sign(position.qty)
    const realised = pnl(position.contract, direction * lots, position.avgEntryPrice, price)
    position.posMargin -= position.posMargin * lots / Math.abs(position.qty)
    position.qty -= direction * lots
    position.realisedPnl += realised
    this.wallet.set(position.contract.settle, this.walletBalance(position.contract.settle) + realised)
    if (position.qty === 0) Object.assign(position, { posMargin: 0, avgEntryPrice: 0 })
  }

  private increase (position: Position, signedLots: number, price: number, margin: number, leverage: number, now: number): void {
    const oldLots = Math.abs(position.qty)
    const lots = Math.abs(signedLots)
    if (oldLots === 0) position.openingTimestamp = now
    position.avgEntryPrice = (position.avgEntryPrice * oldLots + price * lots) / (oldLots + lots)
    position.qty += signedLots
    position.posMargin += margin
    position.leverage = leverage
  }
}

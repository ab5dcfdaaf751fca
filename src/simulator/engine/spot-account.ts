// The demo spot account: trade-account balances, HF orders and fills. Orders
// that cross the book fill at once at the best opposite price (taker fee in
// the quote currency); others rest with their funds on hold. Resting orders
// are never filled later by the synthetic market.
import { floorTo } from './decimal.js'
import { SimError } from '../rest/errors.js'
import { Listeners } from './events.js'
import { takerPrice } from './quote-format.js'
import { Rng, hexId } from './random.js'
import type { Side, SpotOrderRequest } from '../rest/spot/order-request.js'

export const TAKER_FEE = 0.001

export interface Balance { id: string, currency: string, type: 'trade', balance: number, holds: number }

export interface SpotOrder extends Omit<SpotOrderRequest, 'state' | 'clientOid'> {
  /** Numeric cursor for the done-orders list. */
  seq: number
  id: string
  clientOid: string
  symbol: string
  base: string
  quote: string
  dealSize: number
  dealFunds: number
  fee: number
  cancelledSize: number
  cancelledFunds: number
  active: boolean
  cancelExist: boolean
  hold: { currency: string, amount: number }
  createdAt: number
  lastUpdatedAt: number
}

export interface SpotFill {
  id: number
  orderId: string
  counterOrderId: string
  tradeId: number
  symbol: string
  side: Side
  type: 'limit' | 'market'
  price: number
  size: number
  funds: number
  fee: number
  feeCurrency: string
  createdAt: number
}

/** The `type` of a spot orderChange message (PROTOCOL §6.2). */
export type SpotOrderEventType = 'received' | 'open' | 'match' | 'filled' | 'canceled'

/** What changed, after a place or cancel succeeded; the WebSocket half renders private messages from it. */
export type SpotEvent =
  | { kind: 'order', type: SpotOrderEventType, order: SpotOrder, fill: SpotFill | undefined, time: number }
  | { kind: 'balance', balance: Balance, availableChange: number, holdChange: number, relationEvent: 'trade.hold' | 'trade.setted', order: SpotOrder, time: number }

type Holdings = Map<string, { balance: number, holds: number }>

export class SpotAccount {
  readonly orders = new Map<string, SpotOrder>()
  readonly fills: SpotFill[] = []
  readonly events = new Listeners<SpotEvent>()
  private readonly balances = new Map<string, Balance>()
  private readonly activeClientOids = new Map<string, SpotOrder>()
  private readonly rng: Rng
  private seq = 1

  constructor (seed: number, initial: Readonly<Record<string, number>>) {
    this.rng = new Rng(seed)
    for (const [currency, amount] of Object.entries(initial)) this.balance(currency).balance = amount
  }

  accounts (): Balance[] {
    return [...this.balances.values()]
  }

  /** The trade account of `currency`, opened on first use. */
  balance (currency: string): Balance {
    let found = this.balances.get(currency)
    if (found === undefined) {
      found = { id: hexId(this.rng, 12), currency, type: 'trade', balance: 0, holds: 0 }
      this.balances.set(currency, found)
    }
    return found
  }

  /** The order with this clientOid that `seen` admits: the active one, else the newest done one (HF lookups see done orders). */
  findByClientOid (clientOid: string, seen: (order: SpotOrder) => boolean = () => true): SpotOrder | undefined {
    const active = this.activeClientOids.get(clientOid)
    if (active !== undefined && seen(active)) return active
    return [...this.orders.values()].reverse().find(o => o.clientOid === clientOid && seen(o))
  }

  /** The active order with this clientOid (Classic lookups see only active orders). */
  findActiveByClientOid (clientOid: string): SpotOrder | undefined {
    return this.activeClientOids.get(clientOid)
  }

  /** How many orders were ever created with this clientOid. */
  countByClientOid (clientOid: string): number {
    let count = 0
    for (const order of this.orders.values()) if (order.clientOid === clientOid) count++
    return count
  }

  /**
   * Places and executes an order; throws `duplicate` (clientOid of an active order:
   * KuCoin's uniqueness holds only among active orders) or 200004 before changing anything.
   */
  place (request: SpotOrderRequest, now: number, duplicate: () => SimError = () => new SimError('102426')): SpotOrder {
    if (request.clientOid !== undefined && this.activeClientOids.has(request.clientOid)) throw duplicate()
    const order = this.newOrder(request, now)
    const before = this.holdings()
    const bookPrice = takerPrice(request.state, request.side)
    const crosses = bookPrice !== undefined && (request.type === 'market' ||
      (request.side === 'buy' ? request.price >= bookPrice : request.price <= bookPrice))
    if (crosses && !request.postOnly) this.fill(order, bookPrice, request.state.instrument.sizeDecimals, now)
    else if (request.type === 'limit' && !crosses && (request.timeInForce === 'GTC' || request.timeInForce === 'GTT')) this.rest(order)
    else this.close(order, now)
    this.orders.set(order.id, order)
    const fill = order.dealSize > 0 ? this.fills[this.fills.length - 1] : undefined
    this.report(order, fill !== undefined ? ['received', 'match', 'filled'] : order.active ? ['received', 'open'] : ['received', 'canceled'], fill, before, now)
    return order
  }

  cancel (order: SpotOrder, now: number): void {
    const before = this.holdings()
    const held = this.balance(order.hold.currency)
    held.holds -= order.hold.amount
    order.hold.amount = 0
    this.close(order, now)
    this.report(order, ['canceled'], undefined, before, now)
  }

  /** Balances before an operation, to report what it changed; undefined when nobody listens. */
  private holdings (): Holdings | undefined {
    if (!this.events.active) return undefined
    return new Map([...this.balances.values()].map(b => [b.currency, { balance: b.balance, holds: b.holds }]))
  }

  private report (order: SpotOrder, types: SpotOrderEventType[], fill: SpotFill | undefined, before: Holdings | undefined, time: number): void {
    if (before === undefined) return
    for (const type of types) this.events.emit({ kind: 'order', type, order, fill, time })
    for (const balance of this.balances.values()) {
      const old = before.get(balance.currency) ?? { balance: 0, holds: 0 }
      const holdChange = balance.holds - old.holds
      const availableChange = (balance.balance - balance.holds) - (old.balance - old.holds)
      if (holdChange === 0 && balance.balance === old.balance) continue
      // A hold moves funds between available and hold; a fill settles the balance itself.
      const relationEvent = balance.balance === old.balance ? 'trade.hold' : 'trade.setted'
      this.events.emit({ kind: 'balance', balance, availableChange, holdChange, relationEvent, order, time })
    }
  }

  private newOrder (request: SpotOrderRequest, now: number): SpotOrder {
    const { state, clientOid, ...fields } = request
    const pair = state.instrument
    return {
      ...fields,
      seq: this.seq++,
      id: hexId(this.rng, 12),
      clientOid: clientOid ?? hexId(this.rng, 16),
      symbol: pair.symbol,
      base: pair.base,
      quote: pair.quote,
      funds: request.type === 'limit' ? request.price * request.size : request.funds,
      dealSize: 0,
      dealFunds: 0,
      fee: 0,
      cancelledSize: 0,
      cancelledFunds: 0,
      active: false,
      cancelExist: false,
      hold: { currency: request.side === 'buy' ? pair.quote : pair.base, amount: 0 },
      createdAt: now,
      lastUpdatedAt: now
    }
  }

  private available (currency: string): number {
    const b = this.balance(currency)
    return b.balance - b.holds
  }

  private rest (order: SpotOrder): void {
    const amount = order.side === 'buy' ? order.funds : order.size
    if (this.available(order.hold.currency) < amount) throw new SimError('200004')
    this.balance(order.hold.currency).holds += amount
    order.hold.amount = amount
    order.active = true
    this.activeClientOids.set(order.clientOid, order)
  }

  private fill (order: SpotOrder, price: number, sizeDecimals: number, now: number): void {
    const size = order.size > 0 ? order.size : floorTo(order.funds / price, sizeDecimals)
    const funds = order.size > 0 ? size * price : order.funds
    const fee = funds * TAKER_FEE
    if (order.side === 'buy' && this.available(order.quote) < funds + fee) throw new SimError('200004')
    if (order.side === 'sell' && this.available(order.base) < size) throw new SimError('200004')
    const sign = order.side === 'buy' ? 1 : -1
    this.balance(order.base).balance += sign * size
    this.balance(order.quote).balance -= sign * funds + fee
    Object.assign(order, { dealSize: size, dealFunds: funds, fee, lastUpdatedAt: now })
    this.fills.push({
      id: this.seq++,
      orderId: order.id,
      counterOrderId: hexId(this.rng, 12),
      tradeId: this.seq++,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      price,
      size,
      funds,
      fee,
      feeCurrency: order.quote,
      createdAt: now
    })
  }

  private close (order: SpotOrder, now: number): void {
    if (order.active) this.activeClientOids.delete(order.clientOid)
    order.active = false
    order.cancelledSize = Math.max(0, order.size - order.dealSize)
    order.cancelledFunds = order.type === 'limit' || order.funds > 0 ? Math.max(0, order.funds - order.dealFunds) : 0
    order.cancelExist = order.cancelledSize > 0 || order.cancelledFunds > 0
    order.lastUpdatedAt = now
  }
}

// Read-your-writes for orders (issue 15). KuCoin may answer "order does not
// exist" for an order it has just created (its lookups read a lagging view).
// The gateway sent the placement and listens to the account's private order
// stream, so it knows better: this cache holds what it learnt about each order
// — from placement and lookup replies passing through the KuCoin client, and
// from the private order stream — merged monotonically (order-cache-merge.ts).
//
// A not-found answer to a single-order lookup (HF spot, margin HF, futures) is
// replaced by the cached order when all of these hold: the gateway placed it
// (it saw the placement leave), KuCoin confirmed it (a success reply or a
// stream message), and the private stream has been live without a gap since
// before the placement — so no later change of the order can have been
// missed. The answer is KuCoin's success envelope in the lookup's shape (the
// fields the cache knows) with the header `KGW-Served-From: order-cache`.
// Classic spot lookups are never answered from the cache: KuCoin's own
// "not found" there also means "no longer active".
//
// It is also the settler's ear (settler.ts OrderWatch): a placement whose
// answer was lost is settled as soon as the stream names its order.
import type { Market } from '../kucoin/catalog.js'
import type { KucoinRequest, KucoinResponse } from '../kucoin/client.js'
import { GatewayError } from '../errors.js'
import type { Hub } from '../ws/hub.js'
import { isFinal, mergeOrder, newOrder, type CachedOrder, type OrderKind, type OrderUpdate } from './order-cache-merge.js'
import { ORDER_TOPICS, fromLookupReply, fromPlacementBody, fromPlacementReply, fromStream, lookupOf, placementOf, type Lookup } from './order-cache-paths.js'
import { OrderStream } from './order-cache-stream.js'

export const SERVED_FROM_HEADER = 'kgw-served-from'

export interface OrderCacheOptions {
  /** `eager`: watch the order streams from start; `lazy`: from the first placement; `off`: no cache. */
  mode: 'eager' | 'lazy' | 'off'
  /** Most orders held; the least recently changed go first. */
  maxOrders: number
  /** An order unchanged this long is forgotten. */
  ttlMs: number
  /** Monotonic ms; default performance.now. */
  clock?: () => number
}

/** One order's entry; both indexes point at it, so a merge is seen through either. */
interface Slot { order: CachedOrder }

/** Told of an order the stream named with both its ids. */
export type OrderListener = (market: Market, clientOid: string, orderId: string) => void

/** Called when a tapped call ends: its response, or the error it ended in. */
export type TapDone = (res: KucoinResponse | undefined, error: unknown) => void

const HF_KINDS = new Set<OrderKind>(['spot-hf', 'spot-classic'])

export class OrderCache {
  private readonly slots = new Set<Slot>()
  private readonly byOrderId = new Map<string, Slot>()
  private readonly byClientOid = new Map<string, Slot>()
  private readonly streams: Partial<Record<Market, OrderStream>> = {}
  private readonly clock: () => number
  private readonly listeners = new Set<OrderListener>()
  /** Lookups answered from the cache, since start. */
  served = 0

  constructor (private readonly options: OrderCacheOptions, hubs: Partial<Record<Market, Hub>>) {
    this.clock = options.clock ?? (() => performance.now())
    if (options.mode === 'off') return
    for (const market of ['spot', 'futures'] as const) {
      const hub = hubs[market]
      if (hub !== undefined) this.streams[market] = new OrderStream(hub, ORDER_TOPICS[market], { message: data => { this.heard(market, this.learn(market, fromStream(data), undefined)) } }, this.clock)
    }
  }

  get size (): number {
    return this.slots.size
  }

  /** Eager mode: subscribes the order streams now (the app calls it once it is ready). */
  start (): void {
    if (this.options.mode === 'eager') for (const stream of Object.values(this.streams)) stream.ensure()
  }

  /** Whether the market's order stream has been live without a gap since `since` (monotonic ms; default now). */
  trusted (market: Market, since = this.clock()): boolean {
    return this.streams[market]?.unbrokenSince(since) ?? false
  }

  /**
   * The client calls this as a call starts. For a placement or a single-order
   * lookup it returns the callback to report the outcome to; for anything else
   * undefined, at the cost of a map lookup or two.
   */
  tap (req: KucoinRequest): TapDone | undefined {
    if (this.options.mode === 'off') return undefined
    const placement = placementOf(req.market, req.method, req.path)
    if (placement !== undefined) return this.placing(req, placement.kind)
    const lookup = lookupOf(req.market, req.method, req.path, req.query)
    if (lookup === undefined) return undefined
    return res => { if (res !== undefined) this.learn(req.market, fromLookupReply(dataOf(res)), lookup.kind, true) }
  }

  /**
   * The REST proxy's single-order lookups: `send` asks KuCoin; a not-found
   * answer for an order the cache may vouch for becomes the cached order.
   */
  async readYourWrites (req: KucoinRequest, send: () => Promise<KucoinResponse>): Promise<KucoinResponse> {
    const lookup = this.options.mode === 'off' ? undefined : lookupOf(req.market, req.method, req.path, req.query)
    if (lookup === undefined || lookup.kind === 'spot-classic') return await send()
    try {
      return await send()
    } catch (error) {
      const served = isNotFound(error) ? this.answer(req.market, lookup) : undefined
      if (served === undefined) throw error
      this.served++
      return served
    }
  }

  /** The cached order a lookup would be answered with, if the cache may vouch for it. */
  vouchFor (market: Market, lookup: Lookup): CachedOrder | undefined {
    const slot = lookup.by === 'orderId' ? this.byOrderId.get(`${market} ${lookup.id}`) : this.byClientOid.get(`${market} ${lookup.id}`)
    const order = slot?.order
    if (order === undefined || !order.confirmed || order.sentAt === undefined || order.orderId === undefined) return undefined
    if (lookup.symbol !== undefined && order.symbol !== undefined && lookup.symbol !== order.symbol) return undefined
    const compatible = lookup.kind === order.kind || (HF_KINDS.has(lookup.kind) && HF_KINDS.has(order.kind))
    if (!compatible || !this.trusted(market, order.sentAt)) return undefined
    return order
  }

  /** The order id KuCoin confirmed (stream message, placement or lookup reply) for the latest order with this clientOid. */
  confirmedOrderId (market: Market, clientOid: string): string | undefined {
    const order = this.byClientOid.get(`${market} ${clientOid}`)?.order
    return order?.confirmed === true ? order.orderId : undefined
  }

  /** Tells `listener` of every stream message about an order whose clientOid and order id are known; returns the unsubscribe. */
  onOrder (listener: OrderListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  stop (): void {
    for (const stream of Object.values(this.streams)) stream.stop()
  }

  /** A stream message merged into `slot`: its ids may come from earlier evidence (a futures message may lack the clientOid). */
  private heard (market: Market, slot: Slot | undefined): void {
    const { clientOid, orderId } = slot?.order ?? {}
    if (clientOid === undefined || orderId === undefined) return
    for (const listener of this.listeners) listener(market, clientOid, orderId)
  }

  private placing (req: KucoinRequest, kind: OrderKind): TapDone {
    const stream = this.streams[req.market]
    stream?.ensure()
    const sentAt = this.clock()
    const request = fromPlacementBody(parseJson(req.body))
    // Recorded before the answer, so a stream message that overtakes it joins this entry by clientOid.
    let slot = request.clientOid === undefined ? undefined : this.learn(req.market, request, kind, false, sentAt)
    return res => {
      if (res === undefined) return
      const reply = fromPlacementReply(dataOf(res))
      slot = this.learn(req.market, { ...request, ...reply, status: reply.status ?? 'new' }, kind, true, sentAt, slot)
    }
  }

  /** Merges evidence into the order's entry (found by orderId, then clientOid, or `slot`), creating it if new. */
  private learn (market: Market, update: OrderUpdate, kind: OrderKind | undefined, confirmed = true, sentAt?: number, known?: Slot): Slot | undefined {
    if (update.orderId === undefined && update.clientOid === undefined) return undefined
    const now = this.clock()
    const slot = known ?? this.find(market, update)
    if (slot === undefined) {
      const order = newOrder(market, kind ?? (market === 'spot' ? 'spot-hf' : 'futures'), update, confirmed, now)
      const fresh: Slot = { order: sentAt === undefined ? order : { ...order, sentAt } }
      this.slots.add(fresh)
      this.index(fresh)
      this.evict(now)
      return fresh
    }
    const merged = mergeOrder(slot.order, update, confirmed, now)
    // The first placement of a clientOid is the one trust is measured from.
    slot.order = sentAt === undefined || merged.sentAt !== undefined ? merged : { ...merged, sentAt }
    this.index(slot)
    // Most recently changed last: eviction takes from the front.
    this.slots.delete(slot)
    this.slots.add(slot)
    return slot
  }

  private find (market: Market, update: OrderUpdate): Slot | undefined {
    const byId = update.orderId === undefined ? undefined : this.byOrderId.get(`${market} ${update.orderId}`)
    if (byId !== undefined) return byId
    if (update.clientOid === undefined) return undefined
    const byOid = this.byClientOid.get(`${market} ${update.clientOid}`)
    // A clientOid is reused once its order is done (KuCoin allows it): a new order id is a new order.
    if (byOid === undefined || (update.orderId !== undefined && byOid.order.orderId !== undefined && byOid.order.orderId !== update.orderId)) return undefined
    if (isFinal(byOid.order) && update.orderId === undefined && byOid.order.sentAt !== undefined) return undefined
    return byOid
  }

  private index (slot: Slot): void {
    const { market, orderId, clientOid } = slot.order
    if (orderId !== undefined) this.byOrderId.set(`${market} ${orderId}`, slot)
    if (clientOid !== undefined) this.byClientOid.set(`${market} ${clientOid}`, slot)
  }

  private evict (now: number): void {
    for (const slot of this.slots) {
      if (this.slots.size <= this.options.maxOrders && now - slot.order.touchedAt <= this.options.ttlMs) return
      this.slots.delete(slot)
      const { market, orderId, clientOid } = slot.order
      if (orderId !== undefined && this.byOrderId.get(`${market} ${orderId}`) === slot) this.byOrderId.delete(`${market} ${orderId}`)
      if (clientOid !== undefined && this.byClientOid.get(`${market} ${clientOid}`) === slot) this.byClientOid.delete(`${market} ${clientOid}`)
    }
  }

  private answer (market: Market, lookup: Lookup): KucoinResponse | undefined {
    const order = this.vouchFor(market, lookup)
    if (order === undefined) return undefined
    const body = Buffer.from(JSON.stringify({ code: '200000', data: orderView(order) }))
    return { status: 200, headers: { 'content-type': 'application/json', [SERVED_FROM_HEADER]: 'order-cache' }, code: '200000', coding: 'identity', body, decoded: body }
  }
}

/** KuCoin's "this order does not exist" for a lookup, on any host. */
export function isNotFound (error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false
  return error.kind === 'order-not-found' || /order (does )?not exists?/i.test(error.msg)
}

/** The lookup's shape from what the cache knows; a field it does not know is left out. */
export function orderView (order: CachedOrder): Record<string, unknown> {
  const done = isFinal(order)
  const known = (fields: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
  const common = { id: order.orderId, clientOid: order.clientOid, symbol: order.symbol, type: order.type, side: order.side, price: order.price, size: order.size, createdAt: order.createdAt }
  if (order.market === 'futures') {
    return { ...order.detail, ...known({ ...common, filledSize: order.filledSize, dealSize: order.filledSize, status: done ? 'done' : 'open', isActive: !done }) }
  }
  return { ...order.detail, ...known({ ...common, funds: order.funds, dealSize: order.filledSize, cancelledSize: order.canceledSize, active: !done }) }
}

function parseJson (body: Buffer | undefined): unknown {
  if (body === undefined) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}

/** The `data` of a success response read whole; undefined for a streamed (large) one. */
function dataOf (res: KucoinResponse): unknown {
  if (res.decoded === undefined) return undefined
  return (parseJson(res.decoded) as { data?: unknown } | undefined)?.data
}

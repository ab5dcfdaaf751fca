// Which KuCoin calls the read-your-writes cache learns from and answers, and
// how their bodies and the private order stream's messages read as evidence
// (PROTOCOL §6.2, §6.4, §7, Appendix A). Pure.
import type { Market } from '../kucoin/catalog.js'
import { STATUS_RANK, type OrderKind, type OrderStatus, type OrderUpdate } from './order-cache-merge.js'

export interface Placement { kind: OrderKind }

/** A single-order lookup: by order id or by clientOid. */
export interface Lookup { kind: OrderKind, by: 'orderId' | 'clientOid', id: string, symbol: string | undefined }

const PLACEMENTS: Record<string, OrderKind> = {
  'spot /api/v1/hf/orders': 'spot-hf',
  'spot /api/v1/hf/orders/sync': 'spot-hf',
  'spot /api/v1/orders': 'spot-classic',
  'spot /api/v3/hf/margin/order': 'margin-hf',
  'futures /api/v1/orders': 'futures'
}

const trim = (path: string): string => path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path

/** The order a POST places, or undefined. */
export function placementOf (market: Market, method: string, path: string): Placement | undefined {
  if (method !== 'POST') return undefined
  const kind = PLACEMENTS[`${market} ${trim(path)}`]
  return kind === undefined ? undefined : { kind }
}

function segment (raw: string): string | undefined {
  try {
    const id = decodeURIComponent(raw)
    return id === '' || id.includes('/') ? undefined : id
  } catch {
    return undefined
  }
}

// Sibling paths under the same prefix that are lists, not orders.
const NOT_IDS = new Set(['active', 'done', 'client-order', 'byClientOid', 'sync', 'multi', 'test', 'cancel', 'alter'])

const SPOT_LOOKUPS: Array<{ prefix: string, kind: OrderKind }> = [
  { prefix: '/api/v1/hf/orders/', kind: 'spot-hf' },
  { prefix: '/api/v3/hf/margin/orders/', kind: 'margin-hf' },
  { prefix: '/api/v1/orders/', kind: 'spot-classic' }
]

const ORDER_PATH = /^\/api\/(v1\/hf\/orders|v3\/hf\/margin\/orders|v1\/orders)\//

/** The single-order lookup a GET makes, or undefined. */
export function lookupOf (market: Market, method: string, path: string, query: string): Lookup | undefined {
  // Cheap rejection first: the client's tap runs this for every GET.
  if (method !== 'GET' || !ORDER_PATH.test(path)) return undefined
  const params = new URLSearchParams(query)
  const symbol = params.get('symbol') ?? undefined
  const p = trim(path)
  if (market === 'futures') {
    if (p === '/api/v1/orders/byClientOid') {
      const id = params.get('clientOid')
      return id === null || id === '' ? undefined : { kind: 'futures', by: 'clientOid', id, symbol }
    }
    return byPrefix(p, '/api/v1/orders/', 'futures', symbol)
  }
  for (const { prefix, kind } of SPOT_LOOKUPS) {
    const clientOrder = `${prefix}client-order/`
    if (kind !== 'spot-classic' && p.startsWith(clientOrder)) {
      const id = segment(p.slice(clientOrder.length))
      return id === undefined ? undefined : { kind, by: 'clientOid', id, symbol }
    }
    const found = byPrefix(p, prefix, kind, symbol)
    if (found !== undefined) return found
  }
  return undefined
}

function byPrefix (path: string, prefix: string, kind: OrderKind, symbol: string | undefined): Lookup | undefined {
  if (!path.startsWith(prefix)) return undefined
  const id = segment(path.slice(prefix.length))
  return id === undefined || NOT_IDS.has(id) ? undefined : { kind, by: 'orderId', id, symbol }
}

const str = (value: unknown): string | undefined => typeof value === 'string' && value !== '' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined
const num = (value: unknown): number | undefined => typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined
const statusOf = (value: unknown): OrderStatus | undefined => typeof value === 'string' && value in STATUS_RANK ? value as OrderStatus : undefined

/** KuCoin mixes ms and ns timestamps (futures `orderTime` is ns): brought to ms. */
function millis (value: unknown): number | undefined {
  const n = num(value)
  if (n === undefined) return undefined
  return n > 1e17 ? Math.floor(n / 1e6) : n > 1e14 ? Math.floor(n / 1e3) : n
}

function identity (o: Record<string, unknown>): OrderUpdate {
  return {
    clientOid: str(o.clientOid),
    symbol: str(o.symbol),
    side: str(o.side),
    type: str(o.type ?? o.orderType),
    price: str(o.price),
    size: str(o.size ?? o.originSize),
    funds: str(o.funds)
  }
}

/** What the placement request itself says (the body the gateway sent). */
export function fromPlacementBody (body: unknown): OrderUpdate {
  return typeof body === 'object' && body !== null ? identity(body as Record<string, unknown>) : {}
}

/** A placement's success `data`: `{orderId, clientOid}`, or the `/sync` order state. */
export function fromPlacementReply (data: unknown): OrderUpdate {
  if (typeof data !== 'object' || data === null) return {}
  const d = data as Record<string, unknown>
  return { orderId: str(d.orderId), clientOid: str(d.clientOid), status: statusOf(d.status), filledSize: str(d.dealSize), canceledSize: str(d.canceledSize), createdAt: millis(d.orderTime) }
}

/** A lookup's success `data`: a full order, spot (`active`, `dealSize`) or futures (`isActive`, `status`, `filledSize`). */
export function fromLookupReply (data: unknown): OrderUpdate {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return {}
  const d = data as Record<string, unknown>
  const active = typeof d.active === 'boolean' ? d.active : typeof d.isActive === 'boolean' ? d.isActive : undefined
  const status = statusOf(d.status) ?? (active === undefined ? undefined : active ? 'open' : 'done')
  return { ...identity(d), orderId: str(d.id ?? d.orderId), status, filledSize: str(d.dealSize ?? d.filledSize), canceledSize: str(d.cancelledSize ?? d.canceledSize), createdAt: millis(d.createdAt ?? d.orderTime), detail: d }
}

/** A private order-stream message's `data` (spot orderChange V1/V2, futures symbolOrderChange). */
export function fromStream (data: unknown): OrderUpdate {
  if (typeof data !== 'object' || data === null) return {}
  const d = data as Record<string, unknown>
  // A message's `type` is the event (received, open, match...); the order's type is `orderType`.
  return { ...identity(d), type: str(d.orderType), orderId: str(d.orderId), status: statusOf(d.status), filledSize: str(d.filledSize), canceledSize: str(d.canceledSize), createdAt: millis(d.orderTime) }
}

/** The private order topics the gateway watches, per market. */
export const ORDER_TOPICS: Record<Market, string> = { spot: '/spotMarket/tradeOrdersV2', futures: '/contractMarket/tradeOrders' }

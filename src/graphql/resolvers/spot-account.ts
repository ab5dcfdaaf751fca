// Query.spotAccount: balances, HF orders and fills. Every field is private (guard.ts checks).
import { exactlyOne, list, toKucoinSide, toKucoinType, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import { decodeCursor, pageInfo, pageSize, slice } from '../paging.js'
import type { SpotAccountOrdersArgs, SpotAccountResolvers, SpotOrderPage } from '../schema-types.generated.js'
import type { CallContext } from '../../http/caller-signal.js'
import { segment, type Upstream } from '../upstream.js'
import { balance, spotFill, spotOrder } from './account-views.js'

interface LastIdPage { lastId?: number, items?: Json[] }

/** KuCoin's `lastId` paging: a full page may have a successor, a short one has none. */
function lastIdPage<T> (data: LastIdPage, limit: number, map: (row: Json) => T): { items: T[], pageInfo: ReturnType<typeof pageInfo> } {
  const items = list(data.items ?? [], 'spot').map(row => map(row as Json))
  const more = items.length === limit && typeof data.lastId === 'number' && data.lastId > 0
  return { items, pageInfo: pageInfo(more ? { lastId: data.lastId! } : undefined) }
}

async function orders (upstream: Upstream, call: CallContext | undefined, args: SpotAccountOrdersArgs): Promise<SpotOrderPage> {
  const first = pageSize(args.first, 20, 100)
  const side = args.side ? toKucoinSide(args.side) : undefined
  const type = args.type ? toKucoinType(args.type) : undefined
  if (args.status === 'ACTIVE') {
    // KuCoin answers the open orders of a symbol whole; the gateway filters and pages them.
    const all = list(await upstream.get(call, 'spot', '/api/v1/hf/orders/active', { symbol: args.symbol }), 'spot')
      .map(row => row as Json)
      .filter(row => (side === undefined || row.side === side) && (type === undefined || row.type === type))
      .sort((a, b) => Number(b.createdAt) - Number(a.createdAt))
    const page = slice(all, first, decodeCursor(args.after, ['offset']))
    return { items: page.items.map(spotOrder), pageInfo: page.pageInfo }
  }
  const cursor = decodeCursor(args.after, ['lastId'])
  const data = await upstream.get<LastIdPage>(call, 'spot', '/api/v1/hf/orders/done', {
    symbol: args.symbol, side, type, startAt: args.startAt, endAt: args.endAt, lastId: cursor?.lastId, limit: first
  })
  return lastIdPage(data, first, spotOrder)
}

export function spotAccountResolvers (upstream: Upstream): SpotAccountResolvers<GraphQLContext> {
  return {
    balances: async (_, { currency, type }, { call }) => {
      return list(await upstream.get(call, 'spot', '/api/v1/accounts', { currency, type }), 'spot').map(b => balance(b as Json))
    },
    orders: async (_, args, { call }) => {
      return orders(upstream, call, args)
    },
    order: async (_, { symbol, orderId, clientOid }, { call }) => {
      const [by, id] = exactlyOne('spot', ['orderId', orderId], ['clientOid', clientOid])
      const path = by === 'orderId' ? `/api/v1/hf/orders/${segment(id)}` : `/api/v1/hf/orders/client-order/${segment(id)}`
      return spotOrder(await upstream.get(call, 'spot', path, { symbol }))
    },
    fills: async (_, args, { call }) => {
      const first = pageSize(args.first, 20, 100)
      const cursor = decodeCursor(args.after, ['lastId'])
      const data = await upstream.get<LastIdPage>(call, 'spot', '/api/v1/hf/fills', {
        symbol: args.symbol,
        orderId: args.orderId,
        side: args.side ? toKucoinSide(args.side) : undefined,
        type: args.type ? toKucoinType(args.type) : undefined,
        startAt: args.startAt,
        endAt: args.endAt,
        lastId: cursor?.lastId,
        limit: first
      })
      return lastIdPage(data, first, spotFill)
    }
  }
}

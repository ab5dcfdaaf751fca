// Query.futuresAccount: overview, positions and orders. Every field is private (guard.ts checks).
import { exactlyOne, list, toKucoinSide, toKucoinType, type Json } from '../convert.js'
import type { GraphQLContext } from '../context.js'
import { decodeCursor, pageInfo, pageSize } from '../paging.js'
import type { FuturesAccountResolvers } from '../schema-types.generated.js'
import { segment, type Upstream } from '../upstream.js'
import { futuresOrder, futuresOverview, futuresPosition } from './account-views.js'

interface NumberedPage { currentPage?: number, totalPage?: number, items?: Json[] }

export function futuresAccountResolvers (upstream: Upstream): FuturesAccountResolvers<GraphQLContext> {
  return {
    overview: async (_, { currency }, { call }) => {
      return futuresOverview(await upstream.get(call, 'futures', '/api/v1/account-overview', { currency }))
    },
    positions: async (_, { currency }, { call }) => {
      return list(await upstream.get(call, 'futures', '/api/v1/positions', { currency }), 'futures').map(p => futuresPosition(p as Json))
    },
    position: async (_, { symbol }, { call }) => {
      return futuresPosition(await upstream.get(call, 'futures', '/api/v1/position', { symbol }))
    },
    orders: async (_, args, { call }) => {
      // A cursor keeps the page size it was made with, so pages stay aligned.
      const cursor = decodeCursor(args.after, ['page', 'size'])
      const size = cursor?.size ?? pageSize(args.first, 50, 1000)
      const data = await upstream.get<NumberedPage>(call, 'futures', '/api/v1/orders', {
        status: args.status === 'ACTIVE' ? 'active' : 'done',
        symbol: args.symbol,
        side: args.side ? toKucoinSide(args.side) : undefined,
        type: args.type ? toKucoinType(args.type) : undefined,
        currentPage: cursor?.page ?? 1,
        pageSize: size
      })
      const page = data.currentPage ?? 1
      const more = page < (data.totalPage ?? 0)
      return { items: list(data.items ?? [], 'futures').map(o => futuresOrder(o as Json)), pageInfo: pageInfo(more ? { page: page + 1, size } : undefined) }
    },
    order: async (_, { orderId, clientOid }, { call }) => {
      const [by, id] = exactlyOne('futures', ['orderId', orderId], ['clientOid', clientOid])
      return futuresOrder(by === 'orderId'
        ? await upstream.get(call, 'futures', `/api/v1/orders/${segment(id)}`)
        : await upstream.get(call, 'futures', '/api/v1/orders/byClientOid', { clientOid: id }))
    }
  }
}

// GET /books/{market}/{symbol}?depth=N: the verified book (DESIGN §1.6). The
// first call for a symbol starts its book and waits (bounded) until it is
// consistent; later calls answer from memory.
import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.js'
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { Books } from './books.js'

export interface BookRoutesOptions {
  access: Access
  books: Books
}

const DEFAULT_DEPTH = 20
const MARKETS: readonly string[] = ['spot', 'futures']

/** `depth`: a positive integer or `full`; undefined means the default. */
export function parseDepth (value: unknown, market?: Market): number {
  if (value === undefined || value === '') return DEFAULT_DEPTH
  if (value === 'full') return Infinity
  if (typeof value === 'string' && /^[1-9]\d{0,6}$/.test(value)) return Number(value)
  throw new GatewayError('bad-request', { market, detail: `depth must be a positive integer or "full" (got ${JSON.stringify(value)})` })
}

export async function bookRoutes (app: FastifyInstance, { access, books }: BookRoutesOptions): Promise<void> {
  app.get('/books/:market/:symbol', async request => {
    const { market, symbol } = request.params as { market: string, symbol: string }
    if (!MARKETS.includes(market)) throw new GatewayError('route-not-found', { detail: `market must be spot or futures (got ${JSON.stringify(market)})` })
    const m = market as Market
    access.require(request.headers, 'read', m)
    const depth = parseDepth((request.query as Record<string, unknown>).depth, m)
    return await books.view(m, symbol, depth)
  })
}

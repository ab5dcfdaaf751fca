// GET /placements/{key}: the caller's placement with this Idempotency-Key,
// settled first when its outcome is still unknown (bounded by KGW_SETTLE_WAIT_MS).
import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.js'
import { GatewayError } from '../errors.js'
import { IDEMPOTENCY_KEY } from './derived-client-oid.js'
import type { Placements } from './placements.js'

export interface PlacementRoutesOptions {
  access: Access
  placements: Placements
}

export async function placementRoutes (app: FastifyInstance, { access, placements }: PlacementRoutesOptions): Promise<void> {
  app.get('/placements/:key', async (request, reply) => {
    const caller = access.require(request.headers, 'read')
    const { key } = request.params as { key: string }
    if (!IDEMPOTENCY_KEY.test(key)) throw new GatewayError('bad-request', { detail: 'an Idempotency-Key is 1-64 characters of A-Z a-z 0-9 _ . : -' })
    const view = await placements.view(caller.name, key)
    reply.header('cache-control', 'no-store')
    return view
  })
}

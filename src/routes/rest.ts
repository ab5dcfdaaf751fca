// The REST proxy: ANY /spot/<kucoin path> and /futures/<kucoin path>. Path,
// query and body bytes reach KuCoin exactly as sent; the policy decides what
// may pass and whether it is signed; the client does the rest.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { Access } from '../access.js'
import type { Config } from '../config.js'
import { GatewayError } from '../errors.js'
import type { Catalog, Market } from '../kucoin/catalog.js'
import { abortOnClose, fairShareKey } from '../http/caller-signal.js'
import { pickRequestHeaders, type KucoinClient } from '../kucoin/client.js'
import { bodyForClient } from '../kucoin/response-encoding.js'
import { placementTarget } from '../orders/placement-targets.js'
import type { Placements } from '../orders/placements.js'
import { decide, type Decision } from '../policy.js'
import type { OrderCache } from '../orders/order-cache.js'

export interface RestRoutesOptions {
  access: Access
  client: KucoinClient
  catalog: Catalog
  config: Config
  placements: Placements
  orderCache: OrderCache
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const

/** `/spot/api/v1/x?y=1` → market-relative path and raw query, untouched. */
export function splitUrl (url: string, prefixLength: number): { path: string, query: string } {
  const q = url.indexOf('?')
  return q === -1
    ? { path: url.slice(prefixLength), query: '' }
    : { path: url.slice(prefixLength, q), query: url.slice(q + 1) }
}

export async function restRoutes (app: FastifyInstance, { access, client, catalog, config, placements, orderCache }: RestRoutesOptions): Promise<void> {
  // Signatures cover the exact body bytes, so bodies are never parsed here.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })

  const policy = { tradingEnabled: config.tradingEnabled, hasCredentials: client.hasCredentials, allowed: new Set(config.allowEndpoints) }
  // The policy's answer depends on market, method and raw path only (catalog and options are fixed):
  // decided once each, as GraphQL's upstream.ts does. Bounded in entries and key length, so odd paths cannot grow it.
  const decisions = new LRUCache<string, Decision>({ max: 5000 })
  const decideOnce = (market: Market, method: string, path: string): Decision => {
    if (path.length > 256) return decide(catalog, policy, market, method, path)
    const key = `${market} ${method} ${path}`
    let decision = decisions.get(key)
    if (decision === undefined) {
      decision = decide(catalog, policy, market, method, path)
      decisions.set(key, decision)
    }
    return decision
  }
  for (const market of ['spot', 'futures'] as const satisfies readonly Market[]) {
    const prefixLength = market.length + 1
    app.route({
      method: [...METHODS],
      url: `/${market}/*`,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const { path, query } = splitUrl(request.raw.url ?? request.url, prefixLength)
        // HEAD goes upstream as GET (KuCoin's envelope lives in the body); fastify drops the body.
        const method = request.method === 'HEAD' ? 'GET' : request.method
        const caller = access.require(request.headers, method === 'GET' ? 'read' : 'trade', market)
        // The policy sees through path tricks, so it runs before anything else reads the path.
        const decision = decideOnce(market, method, path)
        if (!decision.allow) throw new GatewayError('endpoint-denied', { market, detail: decision.reason })
        if (!path.startsWith('/api/')) {
          throw new GatewayError('route-not-found', { market, detail: `KuCoin paths start with /api/ (got ${path || '/'})` })
        }
        const body = request.body as Buffer | undefined
        const upstream = {
          market,
          method,
          path,
          query,
          body: body && body.length > 0 ? body : undefined,
          headers: pickRequestHeaders(request.headers),
          signed: decision.signed,
          endpoint: decision.endpoint,
          caller: fairShareKey(request, caller, access.enabled),
          signal: abortOnClose(reply)
        }
        // Order placements are idempotent by key and always answer with an outcome (src/orders/).
        const target = placementTarget(market, method, path)
        if (target !== undefined) {
          const header = request.headers['idempotency-key']
          const placed = await placements.place({
            caller: caller.name,
            key: typeof header === 'string' ? header : undefined,
            target,
            body: upstream.body,
            send: async sent => await client.request({ ...upstream, body: sent })
          })
          return reply.code(placed.status).headers(placed.headers).send(placed.body)
        }
        // An order lookup KuCoin cannot answer yet may be answered from the order cache (read-your-writes).
        const res = await orderCache.readYourWrites(upstream, async () => await client.request(upstream))
        const { body: out, headers } = bodyForClient(request.headers['accept-encoding'], res)
        const vary = reply.getHeader('vary')
        if (vary !== undefined) headers.vary = `${String(vary)}, ${headers.vary}`
        return reply.code(res.status).headers(res.headers).headers(headers).send(out)
      }
    })
  }
}

// GET /: where to go from here, for a person who opened the gateway's address
// or a script that wants to discover it. Paths only: the caller knows the origin.
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'

// package.json sits two levels up from both src/routes and dist/routes.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

export const ENTRY_POINTS = {
  rest: { path: '/spot/api/...', description: 'KuCoin spot REST (e.g. /spot/api/v1/market/orderbook/level1?symbol=BTC-USDT); private calls are signed by the gateway' },
  futuresRest: { path: '/futures/api/...', description: 'KuCoin futures REST, same rules' },
  bullet: { path: '/spot/api/v1/bullet-public', description: 'POST for a WebSocket token and endpoint, as KuCoin\'s bullet (also bullet-private, and under /futures)' },
  websocket: { path: '/spot/ws', description: 'KuCoin-protocol WebSocket fan-out (and /futures/ws); connect with the token from a bullet' },
  graphql: { path: '/graphql', description: 'GraphQL: POST queries and mutations, graphql-ws subscriptions on the same path' },
  graphiql: { path: '/graphiql', description: 'GraphiQL, in the browser' },
  docs: { path: '/docs', description: 'API reference with "Try it out", in the browser' },
  openapi: { path: '/openapi.yaml', description: 'OpenAPI 3.1 document' },
  health: { path: '/healthz', description: 'the process is alive' },
  ready: { path: '/readyz', description: 'KuCoin reachable, clocks synced, feeds up' },
  metrics: { path: '/metrics', description: 'Prometheus metrics' }
} as const

export async function rootRoutes (app: FastifyInstance): Promise<void> {
  const body = JSON.stringify({ name: 'kucoin-gateway', version, entryPoints: ENTRY_POINTS })
  app.get('/', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
}

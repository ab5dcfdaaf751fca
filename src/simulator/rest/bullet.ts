// WebSocket token endpoints (PROTOCOL §5.1). Tokens are remembered in the
// simulator state so the WebSocket half can tell real ones from forgeries.
import { randomBytes } from 'node:crypto'
import type { Market } from '../types.js'
import { register } from './routes.js'
import type { RouteContext, RouteTable } from './routes.js'

function issue (ctx: RouteContext, market: Market, isPrivate: boolean): Record<string, unknown> {
  const token = randomBytes(96).toString('base64url')
  ctx.state.tokens.set(token, { market, key: ctx.key, private: isPrivate, issuedAt: ctx.now })
  return {
    token,
    instanceServers: [{
      endpoint: ctx.state.wsEndpoints[market],
      // Plain ws:// on the simulator, so nothing is encrypted.
      encrypt: false,
      protocol: 'websocket',
      pingInterval: ctx.state.wsPing.interval,
      pingTimeout: ctx.state.wsPing.timeout
    }]
  }
}

export function registerBulletRoutes (table: RouteTable): void {
  for (const market of ['spot', 'futures'] as const) {
    register(table, market, {
      'POST /api/v1/bullet-public': ctx => issue(ctx, market, false),
      'POST /api/v1/bullet-private': ctx => issue(ctx, market, true)
    })
  }
}

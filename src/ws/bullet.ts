// The gateway's own bullet endpoints (DESIGN §1.2): KuCoin's shape, a gateway
// token for /spot/ws or /futures/ws, and the WebSocket URL to use. That URL
// comes from KGW_PUBLIC_URL when set (behind a TLS ingress: wss://), else
// from the request's Host, which the boundary has already checked against the
// allow-list (src/http/boundary.ts), with the scheme a trusted proxy reported.
import type { FastifyInstance } from 'fastify'
import type { Access } from '../access.js'
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { WsTokens } from './tokens.js'

export interface BulletOptions {
  access: Access
  tokens: WsTokens
  hasCredentials: boolean
  pingIntervalMs: number
  pingTimeoutMs: number
  /** KGW_PUBLIC_URL, without a trailing slash. */
  publicUrl: string | undefined
}

/** What the request itself says about where it was sent (fastify's protocol and host, trustProxy-aware). */
export interface RequestPlace { protocol: string, host: string }

/** The WebSocket URL of a market's downstream endpoint, and whether it is TLS. */
export function wsEndpoint (market: Market, publicUrl: string | undefined, place: RequestPlace): { endpoint: string, encrypt: boolean } {
  const base = publicUrl ?? `${place.protocol}://${place.host}`
  const encrypt = base.startsWith('https:')
  return { endpoint: `${encrypt ? 'wss' : 'ws'}${base.slice(base.indexOf(':'))}/${market}/ws`, encrypt }
}

export async function bulletRoutes (app: FastifyInstance, options: BulletOptions): Promise<void> {
  const { access, tokens, hasCredentials, publicUrl } = options
  // SDKs post to bullet with an empty body, sometimes labelled application/json: accept any body, read none.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => { done(null) })
  const answer = (market: Market, place: RequestPlace, isPrivate: boolean): object => ({
    code: '200000',
    data: {
      token: tokens.issue(market, isPrivate),
      instanceServers: [{
        ...wsEndpoint(market, publicUrl, place),
        protocol: 'websocket',
        pingInterval: options.pingIntervalMs,
        pingTimeout: options.pingTimeoutMs
      }]
    }
  })
  for (const market of ['spot', 'futures'] as const) {
    // The bullet call is where a WebSocket's caller is checked: its token is only handed out here.
    app.post(`/${market}/api/v1/bullet-public`, async request => {
      access.require(request.headers, 'read', market)
      return answer(market, request, false)
    })
    app.post(`/${market}/api/v1/bullet-private`, async request => {
      access.require(request.headers, 'private-stream', market)
      if (!hasCredentials) throw new GatewayError('credentials-missing', { market, detail: 'private topics need KuCoin credentials configured on the gateway' })
      return answer(market, request, true)
    })
  }
}

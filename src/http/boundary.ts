// The trust boundary (DESIGN §1.5), checked first on every request, WebSocket
// upgrades included, before any route or plugin sees it: the Host must be one
// the gateway serves (DNS rebinding), a browser request must come from the
// gateway's own origin or a listed one (cross-site requests), and a write must
// carry JSON. KGW_ALLOWED_ORIGINS also turns on CORS for exactly those origins.
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { GatewayError } from '../errors.js'
import { contentTypeRefusal } from './content-type.js'
import { crossSiteRefusal, type CrossSiteOptions } from './cross-site.js'
import { HostAllowList, canonicalHostPattern } from './host-check.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types a write to this route may carry; application/json when unset. */
    bodyTypes?: readonly string[]
  }
}

/** Headers a browser page on an allowed origin may read. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'gw-ratelimit-limit', 'gw-ratelimit-remaining', 'gw-ratelimit-reset', 'www-authenticate']

/** Attacker-chosen text quoted back in a problem: short, and printable only. */
const quote = (value: string | undefined): string => JSON.stringify((value ?? '').slice(0, 100).replace(/[^\x20-\x7e]/g, '?'))

export async function installBoundary (app: FastifyInstance, config: Pick<Config, 'allowedHosts' | 'allowedOrigins' | 'publicUrl'>): Promise<void> {
  const publicUrl = config.publicUrl === undefined ? undefined : new URL(config.publicUrl)
  const publicAuthority = publicUrl?.host
  const publicHost = publicUrl === undefined ? undefined : canonicalHostPattern(publicUrl.hostname)
  const hosts = new HostAllowList(publicHost === undefined ? config.allowedHosts : [...config.allowedHosts, publicHost])
  const sites: CrossSiteOptions = { allowedOrigins: new Set(config.allowedOrigins), ownAuthorities: publicAuthority === undefined ? [] : [publicAuthority] }

  // A callback hook: an async one costs a promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    // request.host is the X-Forwarded-Host only when the peer is a KGW_TRUSTED_PROXIES proxy.
    const host = request.host
    if (!hosts.allows(host)) {
      done(new GatewayError('host-not-allowed', { detail: `Host ${quote(host)} is not served here: loopback names, KGW_ALLOWED_HOSTS and the KGW_PUBLIC_URL host are` }))
      return
    }
    const crossSite = crossSiteRefusal(request.method, request.headers, host, sites)
    if (crossSite !== undefined) {
      done(new GatewayError('cross-site-refused', { detail: crossSite }))
      return
    }
    const contentType = contentTypeRefusal(request.method, request.headers, request.routeOptions.config?.bodyTypes)
    done(contentType === undefined ? undefined : new GatewayError('unsupported-media-type', { detail: contentType }))
  })

  if (config.allowedOrigins.length > 0) {
    await app.register(cors, {
      origin: [...config.allowedOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600
    })
  }
}

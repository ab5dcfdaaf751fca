// Browser cross-site requests (DESIGN §1.5). A page on another site can make a
// browser send "simple" requests (a form POST, an <img>, a WebSocket) to the
// gateway on loopback; the browser says where they come from in `Origin` and
// `Sec-Fetch-Site`. Those from another origin are refused unless the origin
// is in KGW_ALLOWED_ORIGINS. Clients that are not browsers send neither
// header and are not affected. Pure: the hook lives in boundary.ts.
import type { IncomingHttpHeaders } from 'node:http'

/** A KGW_ALLOWED_ORIGINS entry as browsers send it (`scheme://host[:port]`), or undefined when it is not one. */
export function canonicalOrigin (entry: string): string | undefined {
  try {
    const url = new URL(entry.trim())
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined
    return url.origin
  } catch {
    return undefined
  }
}

/** `host[:port]` of an origin, default port dropped; undefined for `null` or garbage. */
function authorityOf (origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

/** A Host header as an origin's authority would spell it (lower case, :80 and :443 dropped). */
function normalAuthority (host: string): string {
  return host.toLowerCase().replace(/:(?:80|443)$/, '')
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === 'string' ? value : undefined
}

export interface CrossSiteOptions {
  allowedOrigins: ReadonlySet<string>
  /** Authorities that are the gateway itself besides the request's own Host (the KGW_PUBLIC_URL host). */
  ownAuthorities: readonly string[]
}

/**
 * Why a request must be refused as cross-site, or undefined to let it pass.
 * `host` is the authority the request was sent to (Host, or the trusted
 * forwarded host).
 */
export function crossSiteRefusal (method: string, headers: IncomingHttpHeaders, host: string, options: CrossSiteOptions): string | undefined {
  const origin = header(headers, 'origin')
  if (origin !== undefined && options.allowedOrigins.has(origin)) return undefined
  const site = header(headers, 'sec-fetch-site')?.toLowerCase()
  if (site === 'same-origin' || site === 'none') return undefined
  if (site === 'same-site' || site === 'cross-site') {
    // A link followed to the gateway (a top-level page load) shows its answer to the user, not to the linking page.
    const navigation = (method === 'GET' || method === 'HEAD') && header(headers, 'sec-fetch-mode') === 'navigate' && header(headers, 'sec-fetch-dest') === 'document'
    if (navigation) return undefined
    return `Sec-Fetch-Site: ${site}${origin === undefined ? '' : ` from ${origin}`} (list the origin in KGW_ALLOWED_ORIGINS to allow it)`
  }
  // Older browsers send no Sec-Fetch-Site: the Origin alone decides.
  if (origin === undefined) return undefined
  const authority = authorityOf(origin)
  const own = [normalAuthority(host), ...options.ownAuthorities]
  if (authority !== undefined && own.includes(authority)) return undefined
  return `Origin ${origin} is not this gateway (list it in KGW_ALLOWED_ORIGINS to allow it)`
}

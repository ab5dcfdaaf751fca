// The endpoint catalog: for every KuCoin REST operation in the official spec,
// whether it is public or private, the key permission it needs, and the
// rate-limit pool and weight it is charged. Generated rows live in
// catalog.generated.ts; this file only shapes and indexes them.
import { ENDPOINT_ROWS } from './catalog.generated.js'

export type Market = 'spot' | 'futures'
export type SpecMarket = Market | 'broker'

export type EndpointRow = readonly [
  market: string, method: string, path: string, channel: string, permission: string | null,
  pool: string, weight: number | null, deprecated: boolean, jsonBody: boolean, name: string, service: string
]

export interface Endpoint {
  market: SpecMarket
  method: string
  /** Path template as in the spec, e.g. `/api/v1/hf/orders/{orderId}`. */
  path: string
  channel: 'public' | 'private'
  /** Key permission KuCoin checks (General, Spot, Futures, Withdrawal, ...); null for public data. */
  permission: string | null
  /** Rate-limit pool (Public, Spot, Futures, Management, Earn, CopyTrading, Broker). */
  pool: string
  /** Weight charged to the pool; null where the spec gives none. */
  weight: number | null
  deprecated: boolean
  /** A DELETE that carries a JSON body (futures multi-cancel). */
  jsonBody: boolean
  name: string
  service: string
}

interface Template { segments: Array<string | RegExp>, literals: number, endpoint: Endpoint }

function toEndpoint (row: EndpointRow): Endpoint {
  const [market, method, path, channel, permission, pool, weight, deprecated, jsonBody, name, service] = row
  return {
    market: market as SpecMarket,
    method,
    path,
    channel: channel === 'public' ? 'public' : 'private',
    permission,
    pool,
    weight,
    deprecated,
    jsonBody,
    name,
    service
  }
}

function compileSegment (segment: string): string | RegExp {
  if (!segment.includes('{')) return segment
  const pattern = segment.split(/\{[^}]+\}/).map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')
  return new RegExp(`^${pattern}$`)
}

/** An index over the catalog; exact paths first, then templates, most literal first. */
export class Catalog {
  readonly endpoints: readonly Endpoint[]
  private readonly exact = new Map<string, Endpoint>()
  private readonly templates = new Map<string, Template[]>()

  constructor (rows: readonly EndpointRow[] = ENDPOINT_ROWS) {
    this.endpoints = rows.map(toEndpoint)
    for (const endpoint of this.endpoints) {
      const key = `${endpoint.market} ${endpoint.method}`
      if (!endpoint.path.includes('{')) {
        this.exact.set(`${key} ${endpoint.path.toLowerCase()}`, endpoint)
        continue
      }
      const segments = endpoint.path.toLowerCase().split('/').map(compileSegment)
      const list = this.templates.get(key) ?? []
      list.push({ segments, literals: segments.filter(s => typeof s === 'string').length, endpoint })
      this.templates.set(key, list)
    }
    for (const list of this.templates.values()) list.sort((a, b) => b.literals - a.literals)
  }

  /**
   * Finds the operation for a concrete path (no query string), ignoring case:
   * the policy must not be dodged by `/API/V1/...`. HEAD is looked up as GET.
   */
  find (market: SpecMarket, method: string, concretePath: string): Endpoint | undefined {
    const key = `${market} ${method === 'HEAD' ? 'GET' : method}`
    const path = concretePath.toLowerCase()
    const hit = this.exact.get(`${key} ${path}`)
    if (hit) return hit
    const list = this.templates.get(key)
    if (!list) return undefined
    const parts = path.split('/')
    for (const t of list) {
      if (t.segments.length !== parts.length) continue
      if (t.segments.every((s, i) => typeof s === 'string' ? s === parts[i] : s.test(parts[i]!))) return t.endpoint
    }
    return undefined
  }

  /**
   * The operation a call to one market's host reaches. Broker operations live
   * on the spot host, so a spot path may be one of them.
   */
  lookup (market: Market, method: string, concretePath: string): Endpoint | undefined {
    return this.find(market, method, concretePath) ?? (market === 'spot' ? this.find('broker', method, concretePath) : undefined)
  }
}

// How resolvers reach KuCoin: through the same policy as the REST proxy (what
// may pass, what is signed), then the shared KucoinClient. GETs go through the
// coalescer keyed by market + path + query: identical calls in flight are made
// once, and public ones are reused for a short TTL. Writes are never shared.
import { LRUCache } from 'lru-cache'
import { GatewayError } from '../errors.js'
import type { Catalog, Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import { decide, type Decision, type PolicyOptions } from '../policy.js'
import { Coalescer } from './coalescer.js'

export type Params = Record<string, string | number | boolean | null | undefined>

export interface UpstreamOptions {
  client: KucoinClient
  catalog: Catalog
  policy: PolicyOptions
  /** Reuse of public GET results; 0 disables it (in-flight sharing stays). */
  cacheTtlMs: number
  cacheMaxEntries: number
  shareInFlight: boolean
}

/** `a=1&b=x%20y` in the order given; absent values are left out. */
export function encodeQuery (params: Params): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) parts.push(`${name}=${encodeURIComponent(String(value))}`)
  }
  return parts.join('&')
}

/** A caller-supplied value placed inside a path. */
export const segment = (value: string): string => encodeURIComponent(value)

export class Upstream {
  readonly coalescer: Coalescer
  /** The policy's answer depends on market, method and path only (catalog and options are fixed): decided once each. */
  private readonly decisions = new LRUCache<string, Decision>({ max: 2000 })

  constructor (private readonly options: UpstreamOptions) {
    this.coalescer = new Coalescer({ ttlMs: options.cacheTtlMs, maxEntries: options.cacheMaxEntries, shareInFlight: options.shareInFlight })
  }

  get<T> (market: Market, path: string, params: Params = {}): Promise<T> {
    const { signed } = this.allow(market, 'GET', path)
    const query = encodeQuery(params)
    const key = `${market} ${signed ? 'private' : 'public'} ${path}?${query}`
    return this.coalescer.run(key, () => this.options.client.data<T>(market, 'GET', path, { query, signed }), !signed)
  }

  write<T> (market: Market, method: 'POST' | 'DELETE', path: string, options: { params?: Params, body?: object } = {}): Promise<T> {
    const { signed } = this.allow(market, method, path)
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
    return this.options.client.data<T>(market, method, path, { query: encodeQuery(options.params ?? {}), signed, body })
  }

  private allow (market: Market, method: string, path: string): { signed: boolean } {
    const key = `${market} ${method} ${path}`
    let decision = this.decisions.get(key)
    if (decision === undefined) {
      decision = decide(this.options.catalog, this.options.policy, market, method, path)
      this.decisions.set(key, decision)
    }
    if (!decision.allow) throw new GatewayError('endpoint-denied', { market, detail: decision.reason })
    return decision
  }
}

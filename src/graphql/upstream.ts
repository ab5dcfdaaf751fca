// How resolvers reach KuCoin: through the same policy as the REST proxy (what
// may pass, what is signed), then the shared KucoinClient. GETs are shared
// there (src/kucoin/shared-gets.ts): identical calls in flight are made once,
// with the REST proxy's too, and public ones may be reused from the
// micro-cache. Writes are never shared. Every call names its call context
// (the request's fair-share key and abort signal, context.ts's `call`):
// resolvers pass it along, nothing holds it for them.
import { LRUCache } from 'lru-cache'
import { GatewayError } from '../errors.js'
import type { Catalog, Endpoint, Market } from '../kucoin/catalog.js'
import type { KucoinClient } from '../kucoin/client.js'
import { placementTarget } from '../orders/placement-targets.js'
import type { PlacedAnswer, Placements } from '../orders/placements.js'
import { decide, type Decision, type PolicyOptions } from '../policy.js'
import type { CallContext } from '../http/caller-signal.js'

export type Params = Record<string, string | number | boolean | null | undefined>

export interface UpstreamOptions {
  client: KucoinClient
  catalog: Catalog
  policy: PolicyOptions
  placements: Placements
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
  /** The policy's answer depends on market, method and path only (catalog and options are fixed): decided once each. */
  private readonly decisions = new LRUCache<string, Decision>({ max: 2000 })

  constructor (private readonly options: UpstreamOptions) {}

  /**
   * Private reads are shared in flight too: the same account asking the same thing gets one answer.
   * `call` is undefined only where no HTTP request is behind the call (the call is then the gateway's own).
   */
  get<T> (call: CallContext | undefined, market: Market, path: string, params: Params = {}): Promise<T> {
    const { signed, endpoint } = this.allow(market, 'GET', path)
    return this.options.client.data<T>(market, 'GET', path, { caller: call?.caller, signal: call?.signal, query: encodeQuery(params), signed, endpoint, sharePrivate: true })
  }

  write<T> (call: CallContext | undefined, market: Market, method: 'POST' | 'DELETE', path: string, options: { params?: Params, body?: object } = {}): Promise<T> {
    const { signed, endpoint } = this.allow(market, method, path)
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
    return this.options.client.data<T>(market, method, path, { caller: call?.caller, signal: call?.signal, query: encodeQuery(options.params ?? {}), signed, endpoint, body })
  }

  /** An order placement, idempotent by `key` for `caller` (a token name, src/orders/); the same path as a REST placement. */
  async place (call: CallContext | undefined, market: Market, path: string, body: object, key: string, caller: string): Promise<PlacedAnswer> {
    const { signed, endpoint } = this.allow(market, 'POST', path)
    const target = placementTarget(market, 'POST', path)
    if (target === undefined) throw new GatewayError('internal', { market, detail: `${path} is not a placement route` })
    const context = { caller: call?.caller, signal: call?.signal }
    return await this.options.placements.place({
      caller,
      key,
      target,
      body: Buffer.from(JSON.stringify(body)),
      send: async sent => await this.options.client.request({
        market,
        method: 'POST',
        path,
        query: '',
        body: sent,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        signed,
        endpoint,
        caller: context.caller,
        signal: context.signal
      })
    })
  }

  /** The policy's verdict; its endpoint (when the catalog knows it) tells the governor the call's pool and weight. */
  private allow (market: Market, method: string, path: string): { signed: boolean, endpoint: Endpoint | undefined } {
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

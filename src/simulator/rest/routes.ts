// The handler table shared by the route modules: handlers are keyed by the
// catalog's (market, METHOD, path template) and receive a parsed request.
import type { Host, Operation } from './operations.js'
import type { SimState } from '../engine/state.js'
import type { SimKey } from '../types.js'

export interface RouteContext {
  endpoint: Operation
  /** Path parameters by their template name, e.g. `{ orderId: '...' }`. */
  params: Record<string, string>
  query: URLSearchParams
  /** The parsed JSON body; `{}` when there was none. */
  body: Record<string, unknown>
  /** The verified key of a private request. */
  key: SimKey | undefined
  /** Simulator clock when the request was handled. */
  now: number
  state: SimState
}

/** A complete response body already serialised, for hot paths that cache it. */
export class RawJson {
  constructor (readonly text: string) {}
}

/** Returns the `data` of a success envelope, or a RawJson; throws SimError for KuCoin errors. */
export type Handler = (ctx: RouteContext) => unknown

export type RouteTable = Map<string, Handler>

export function routeKey (market: Host, method: string, template: string): string {
  return `${market} ${method} ${template}`
}

/** Adds handlers to `table` under one market, keyed `METHOD template`. */
export function register (table: RouteTable, market: Host, handlers: Record<string, Handler>): void {
  for (const [spec, handler] of Object.entries(handlers)) {
    const space = spec.indexOf(' ')
    table.set(routeKey(market, spec.slice(0, space), spec.slice(space + 1)), handler)
  }
}

/** Percent-decodes a path segment; a malformed escape is left as sent instead of throwing. */
function unescape (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Extracts `{name}` segments (also inside a segment, as in `level2_{size}`) from a concrete path. */
export function pathParams (template: string, path: string): Record<string, string> {
  const params: Record<string, string> = {}
  if (!template.includes('{')) return params
  const templateParts = template.split('/')
  const pathParts = path.split('/')
  templateParts.forEach((part, i) => {
    const open = part.indexOf('{')
    if (open < 0) return
    const close = part.indexOf('}', open)
    const value = pathParts[i] ?? ''
    const suffix = part.length - close - 1
    params[part.slice(open + 1, close)] = unescape(value.slice(open, value.length - suffix))
  })
  return params
}

/** A required query parameter; `fail` builds the market's parameter error. */
export function requireQuery (ctx: RouteContext, name: string, fail: (msg: string) => Error): string {
  const value = ctx.query.get(name)
  if (value === null || value === '') throw fail(`${name} is required`)
  return value
}

// Small conversions from KuCoin's JSON to the schema's shapes: amounts to
// Decimal strings, times to milliseconds, words to enum values. A value the
// schema requires but KuCoin left out is KuCoin's fault (upstream-bad-response),
// never a silent zero.
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import { plainDecimal } from './scalars.js'
import type { OrderType, Side } from './schema-types.generated.js'

export type Json = Record<string, unknown>

/** An amount as an exact decimal string; null when KuCoin sent none (null, '' or absent). */
export function dec (value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value
  if (typeof value === 'number' && Number.isFinite(value)) return plainDecimal(value)
  return null
}

export function text (value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return null
}

export function bool (value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null
}

export function num (value: unknown): number | null {
  const n = typeof value === 'string' && value !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}

/** KuCoin's time units to milliseconds. */
export const fromSeconds = (value: unknown): number | null => { const n = num(value); return n === null ? null : Math.floor(n * 1000) }
export const fromMillis = (value: unknown): number | null => { const n = num(value); return n === null ? null : Math.floor(n) }
export const fromNanos = (value: unknown): number | null => { const n = num(value); return n === null ? null : Math.floor(n / 1e6) }

/** Requires a value the schema declares non-null. */
export function need<T> (value: T | null | undefined, market: Market, what: string): T {
  if (value === null || value === undefined) throw new GatewayError('upstream-bad-response', { market, detail: `KuCoin's answer lacks ${what}` })
  return value
}

export function side (value: unknown, market: Market): Side {
  if (value === 'buy') return 'BUY'
  if (value === 'sell') return 'SELL'
  throw new GatewayError('upstream-bad-response', { market, detail: `unknown side ${JSON.stringify(value)}` })
}

export function orderType (value: unknown, market: Market): OrderType {
  if (value === 'limit') return 'LIMIT'
  if (value === 'market') return 'MARKET'
  throw new GatewayError('upstream-bad-response', { market, detail: `unknown order type ${JSON.stringify(value)}` })
}

export const toKucoinSide = (value: Side): 'buy' | 'sell' => value === 'BUY' ? 'buy' : 'sell'
export const toKucoinType = (value: OrderType): 'limit' | 'market' => value === 'LIMIT' ? 'limit' : 'market'

/** The list KuCoin answered, or a bad-response error when it is not one. */
export function list (value: unknown, market: Market): unknown[] {
  if (!Array.isArray(value)) throw new GatewayError('upstream-bad-response', { market, detail: 'KuCoin answered something other than a list' })
  return value
}

/** Exactly one of two ids, or a bad request naming both. */
export function exactlyOne (market: Market, a: [string, string | null | undefined], b: [string, string | null | undefined]): [string, string] {
  const given = [a, b].filter((pair): pair is [string, string] => typeof pair[1] === 'string' && pair[1] !== '')
  if (given.length !== 1) throw new GatewayError('bad-request', { market, detail: `give exactly one of ${a[0]} and ${b[0]}` })
  return given[0]!
}

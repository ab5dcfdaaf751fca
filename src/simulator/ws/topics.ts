// How a requested topic expands into symbol-topics: `/market/ticker:A,B` is
// two, `/market/ticker:all` one, `/account/balance` one. Symbol-topics are
// what subscriptions, limits and pushes are keyed by. Which topics exist, and
// which are private, is the simulator's own table (topic-table.ts); topics
// the simulator has no data for (call auctions, margin
// indicators and positions, announcements, stop orders) are accepted and silent.
import type { Market } from '../types.js'
import { CANDLE_MS, TOPICS } from './topic-table.js'
import type { TopicSpec } from './topic-table.js'
import type { SyntheticMarket } from '../engine/market.js'
import { WS_ERRORS } from './types.js'
import type { WsError } from './types.js'

export { CANDLE_MS, splitTopic } from './topic-table.js'

export interface TopicRequest {
  prefix: string
  private: boolean
  /** The comma-separated arguments as sent (duplicates included: they count towards the per-frame limit). */
  args: string[]
  spec: TopicSpec
}

/** Splits `prefix:a,b`; undefined when the prefix is unknown on this host. */
export function lookupTopic (market: Market, topic: string): TopicRequest | undefined {
  const colon = topic.indexOf(':')
  const prefix = colon < 0 ? topic : topic.slice(0, colon)
  const spec = TOPICS[market].get(prefix)
  if (spec === undefined) return undefined
  return { prefix, private: spec.private, args: colon < 0 ? [] : topic.slice(colon + 1).split(','), spec }
}

/** `SYMBOL_type` → [symbol, type]; symbols never contain `_`. */
export function splitCandle (arg: string): [symbol: string, type: string] {
  const underscore = arg.lastIndexOf('_')
  return underscore < 0 ? [arg, ''] : [arg.slice(0, underscore), arg.slice(underscore + 1)]
}

// What KuCoin's symbols look like: `BTC-USDT`, `XBTUSDTM`; market tags `USDS`.
const WELL_FORMED = /^[A-Z0-9]{1,20}(-[A-Z0-9]{1,20})?$/

/** Whether a symbol is served: a listed one, or (with `anySymbol`) any well-formed one. */
export type SymbolCheck = (market: Market, symbol: string) => boolean

export function symbolCheck (sim: SyntheticMarket, anySymbol: boolean): SymbolCheck {
  return (market, symbol) => (market === 'spot' ? sim.spot : sim.futures).has(symbol) || (anySymbol && WELL_FORMED.test(symbol))
}

function validArg (market: Market, sim: SyntheticMarket, known: SymbolCheck, spec: TopicSpec, arg: string): boolean {
  if (spec.symbols === 'none') return false
  switch (spec.arg) {
    case 'symbol': return known(market, arg)
    case 'ticker': return arg === 'all' || known(market, arg)
    case 'candle': {
      const [symbol, type] = splitCandle(arg)
      return known(market, symbol) && CANDLE_MS.has(type)
    }
    case 'snapshot': return known(market, arg) || [...sim.spot.values()].some(s => s.instrument.marketTag === arg)
  }
}

/**
 * The distinct symbol-topics of a request, or 404 with the topic as sent.
 * `lenient` (unsubscribe) skips symbol checks: dropping what was never there is harmless.
 */
export function expandTopic (market: Market, sim: SyntheticMarket, known: SymbolCheck, request: TopicRequest, topic: string, lenient = false): string[] | WsError {
  const { prefix, args, spec } = request
  if (args.length === 0) return spec.symbols === 'none' || spec.optionalArg ? [prefix] : WS_ERRORS.notFound(topic)
  if (!lenient && !args.every(arg => validArg(market, sim, known, spec, arg))) return WS_ERRORS.notFound(topic)
  return [...new Set(args)].map(arg => `${prefix}:${arg}`)
}

// How the gateway reads KuCoin topics (the table itself is src/kucoin/ws-topics.ts,
// shared with the simulator): a downstream topic expands into single-symbol
// topics, which are what the hub counts and routes; upstream subscribe frames
// join them again, up to KuCoin's per-frame limit.
import type { Market } from '../kucoin/catalog.js'
import { PUSH_ALIASES, WS_TOPICS, splitTopic, type TopicSpec } from '../kucoin/ws-topics.js'
import type { Route } from './hub.js'
import { candleStart, stringField } from './protocol.js'

export type { TopicSpec } from '../kucoin/ws-topics.js'

/** A downstream topic, expanded into the single-symbol topics KuCoin pushes on. */
export interface ParsedTopic {
  spec: TopicSpec
  /** e.g. `/market/ticker:BTC-USDT,ETH-USDT` → `/market/ticker:BTC-USDT`, `/market/ticker:ETH-USDT`. */
  topics: string[]
}

export type TopicError = { code: 404 | 400, message: string }

// Symbols, candle types (`BTC-USDT_1min`), `all`, and markets (`USDS`): letters, digits, - _ . and no spaces.
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** Parses and expands a topic string, or says why KuCoin would refuse it. */
export function parseTopic (market: Market, topic: string): ParsedTopic | TopicError {
  const colon = topic.indexOf(':')
  const prefix = colon === -1 ? topic : topic.slice(0, colon)
  const spec = WS_TOPICS[market].get(prefix)
  if (!spec) return { code: 404, message: `topic ${topic} is not found` }
  if (colon === -1) {
    return spec.symbols === 'none' || spec.optionalArg ? { spec, topics: [prefix] } : { code: 400, message: `topic ${topic} needs a symbol` }
  }
  if (spec.symbols === 'none') return { code: 400, message: `topic ${prefix} takes no symbol` }
  const symbols = topic.slice(colon + 1).split(',')
  if (symbols.some(s => !SYMBOL.test(s))) return { code: 400, message: `topic ${topic} is invalid` }
  if (spec.symbols === 'one' && symbols.length > 1) return { code: 400, message: `topic ${prefix} takes one symbol` }
  const unique = [...new Set(symbols)]
  return { spec, topics: unique.map(s => `${prefix}:${s}`) }
}

export function isTopicError (parsed: ParsedTopic | TopicError): parsed is TopicError {
  return 'code' in parsed
}

/** The spec of an already expanded single topic (as pushed upstream). */
export function specOf (market: Market, topic: string): TopicSpec | undefined {
  const parsed = parseTopic(market, topic)
  return isTopicError(parsed) ? undefined : parsed.spec
}

/**
 * Joins single-symbol topics back into KuCoin subscribe topics of at most
 * `maxSymbols` symbols each (KuCoin: 100 per subscribe frame). Topics that
 * take one symbol, or none, stay as they are.
 */
export function batchTopics (market: Market, topics: string[], maxSymbols: number): string[] {
  const byPrefix = new Map<string, string[]>()
  const out: string[] = []
  for (const topic of topics) {
    const colon = topic.indexOf(':')
    if (colon === -1 || specOf(market, topic)?.symbols !== 'many') { out.push(topic); continue }
    const prefix = topic.slice(0, colon)
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), topic.slice(colon + 1)])
  }
  for (const [prefix, symbols] of byPrefix) {
    for (let i = 0; i < symbols.length; i += maxSymbols) out.push(`${prefix}:${symbols.slice(i, i + maxSymbols).join(',')}`)
  }
  return out
}

/**
 * How the hub routes frames pushed on an upstream topic: state topics
 * conflate per subject (and per candle start; per symbol under a market tag),
 * and KuCoin's push aliases reach the all-symbol subscribers.
 */
export function routeOf (market: Market, topic: string): Route {
  const spec = specOf(market, topic)
  const [prefix, arg] = splitTopic(topic)
  const route: Route = {}
  if (spec?.kind === 'state') {
    const candle = spec.arg === 'candle'
    const bySymbol = spec.arg === 'snapshot' || (spec.arg === 'ticker' && arg === 'all')
    route.conflationKey = frame => {
      let key = stringField(frame, 'subject') ?? ''
      if (candle) key += `\0${candleStart(frame) ?? ''}`
      if (bySymbol) key += `\0${stringField(frame, 'symbol') ?? ''}`
      return key
    }
  }
  for (const alias of PUSH_ALIASES[market]) {
    if (alias.symbolFromData === true && topic === alias.push) {
      route.aliases = frame => {
        const symbol = stringField(frame, 'symbol')
        return symbol === undefined ? [] : [`${alias.to}:${symbol}`]
      }
    } else if (alias.symbolFromData !== true && prefix === alias.push && arg !== '') {
      const targets = [alias.to]
      route.aliases = () => targets
    }
  }
  return route
}

// KuCoin's classic WebSocket topics (PROTOCOL Appendix B): which exist per
// market, which are private, which take symbols, and which are state (a new
// frame replaces the old, so a slow client may skip frames) versus deltas
// (every frame matters, so a slow client is disconnected instead).
import type { Market } from '../kucoin/catalog.js'

export type Symbols = 'none' | 'one' | 'many'

export interface TopicSpec {
  prefix: string
  symbols: Symbols
  private: boolean
  /** State-like: only the latest frame matters (ticker, depth snapshots, candles, stats). */
  conflate: boolean
}

const spec = (prefix: string, symbols: Symbols, conflate: boolean, isPrivate = false): TopicSpec =>
  ({ prefix, symbols, private: isPrivate, conflate })

const SPOT: TopicSpec[] = [
  spec('/market/ticker', 'many', true),
  spec('/spotMarket/level1', 'many', true),
  spec('/spotMarket/level2Depth5', 'many', true),
  spec('/spotMarket/level2Depth50', 'many', true),
  spec('/callauction/level2Depth50', 'one', true),
  spec('/callauction/callauctionData', 'one', true),
  spec('/market/level2', 'many', false),
  spec('/market/candles', 'many', true),
  spec('/market/match', 'many', false),
  spec('/market/snapshot', 'one', true),
  spec('/indicator/markPrice', 'many', true),
  spec('/indicator/index', 'many', true),
  spec('/spotMarket/tradeOrdersV2', 'none', false, true),
  spec('/spotMarket/tradeOrders', 'none', false, true),
  spec('/account/balance', 'none', false, true),
  spec('/spotMarket/advancedOrders', 'none', false, true),
  spec('/margin/isolatedPosition', 'one', false, true),
  spec('/margin/position', 'none', true, true)
]

// Futures topics are documented with one symbol, but KuCoin accepts comma lists (PROTOCOL §5.9).
const FUTURES: TopicSpec[] = [
  spec('/contractMarket/tickerV2', 'many', true),
  spec('/contractMarket/ticker', 'many', true),
  spec('/contractMarket/level2Depth5', 'many', true),
  spec('/contractMarket/level2Depth50', 'many', true),
  spec('/contractMarket/level2', 'many', false),
  spec('/contractMarket/limitCandle', 'many', true),
  spec('/contractMarket/execution', 'many', false),
  spec('/contract/instrument', 'many', true),
  spec('/contract/announcement', 'many', false),
  spec('/contractMarket/snapshot', 'many', true),
  spec('/contractMarket/tradeOrders', 'none', false, true),
  spec('/contractMarket/tradeOrders', 'many', false, true),
  spec('/contractAccount/wallet', 'none', false, true),
  spec('/contract/position', 'many', false, true),
  spec('/contract/positionAll', 'none', false, true),
  spec('/contract/marginMode', 'none', false, true),
  spec('/contract/crossLeverage', 'none', false, true),
  spec('/contractMarket/advancedOrders', 'none', false, true)
]

function index (specs: TopicSpec[]): Map<string, TopicSpec[]> {
  const byPrefix = new Map<string, TopicSpec[]>()
  for (const s of specs) byPrefix.set(s.prefix, [...(byPrefix.get(s.prefix) ?? []), s])
  return byPrefix
}

const TABLE: Record<Market, Map<string, TopicSpec[]>> = { spot: index(SPOT), futures: index(FUTURES) }

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
  const candidates = TABLE[market].get(prefix)
  if (!candidates) return { code: 404, message: `topic ${topic} is not found` }
  if (colon === -1) {
    const bare = candidates.find(s => s.symbols === 'none')
    return bare ? { spec: bare, topics: [prefix] } : { code: 400, message: `topic ${topic} needs a symbol` }
  }
  const withSymbols = candidates.find(s => s.symbols !== 'none')
  if (!withSymbols) return { code: 400, message: `topic ${prefix} takes no symbol` }
  const symbols = topic.slice(colon + 1).split(',')
  if (symbols.some(s => !SYMBOL.test(s))) return { code: 400, message: `topic ${topic} is invalid` }
  if (withSymbols.symbols === 'one' && symbols.length > 1) return { code: 400, message: `topic ${prefix} takes one symbol` }
  const unique = [...new Set(symbols)]
  return { spec: withSymbols, topics: unique.map(s => `${prefix}:${s}`) }
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

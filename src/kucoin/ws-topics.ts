// KuCoin's classic WebSocket topics (spec ws.csv, PROTOCOL Appendix B): one
// table for the gateway (validation, private routing, conflation, batching)
// and the simulator (validation, private tokens). test/kucoin/ws-topics.test.ts
// checks it against the spec's ws.csv when ../shared is present.
import type { Market } from './catalog.js'

/**
 * What a topic's argument names: a symbol; `SYMBOL_type` (candles); a symbol
 * or `all` (tickers); a symbol or a market tag such as `USDS` (snapshots).
 */
export type TopicArg = 'symbol' | 'candle' | 'ticker' | 'snapshot'

export interface TopicSpec {
  prefix: string
  /** Needs a bullet-private token and `privateChannel: true`. */
  private: boolean
  /** Arguments after the colon: none, exactly one, or a comma list. */
  symbols: 'none' | 'one' | 'many'
  /** Valid both with and without an argument (`/contractMarket/tradeOrders`). */
  optionalArg: boolean
  arg: TopicArg
  /** State-like: only the latest frame matters (ticker, depth snapshots, candles, stats); else a delta stream. */
  conflate: boolean
}

interface Flags { private?: boolean, optionalArg?: boolean, arg?: TopicArg }

const topic = (prefix: string, symbols: TopicSpec['symbols'], conflate: boolean, flags: Flags = {}): TopicSpec =>
  ({ prefix, private: flags.private ?? false, symbols, optionalArg: flags.optionalArg ?? false, arg: flags.arg ?? 'symbol', conflate })
const privateTopic = (prefix: string, symbols: TopicSpec['symbols'], conflate = false, flags: Flags = {}): TopicSpec =>
  topic(prefix, symbols, conflate, { ...flags, private: true })

// Spot and margin topics live on the spot host.
const SPOT: TopicSpec[] = [
  topic('/market/ticker', 'many', true, { arg: 'ticker' }),
  topic('/spotMarket/level1', 'many', true),
  topic('/spotMarket/level2Depth5', 'many', true),
  topic('/spotMarket/level2Depth50', 'many', true),
  topic('/callauction/level2Depth50', 'one', true),
  topic('/callauction/callauctionData', 'one', true),
  topic('/market/level2', 'many', false),
  // The spec documents one candle topic per frame; KuCoin takes comma lists on every topic (PROTOCOL §5.9).
  topic('/market/candles', 'many', true, { arg: 'candle' }),
  topic('/market/match', 'many', false),
  topic('/market/snapshot', 'one', true, { arg: 'snapshot' }),
  topic('/indicator/markPrice', 'many', true),
  topic('/indicator/index', 'many', true),
  privateTopic('/spotMarket/tradeOrdersV2', 'none'),
  privateTopic('/spotMarket/tradeOrders', 'none'),
  privateTopic('/account/balance', 'none'),
  privateTopic('/spotMarket/advancedOrders', 'none'),
  privateTopic('/margin/isolatedPosition', 'one'),
  privateTopic('/margin/position', 'none', true)
]

// Futures topics are documented with one symbol, but KuCoin accepts comma lists (PROTOCOL §5.9).
const FUTURES: TopicSpec[] = [
  topic('/contractMarket/tickerV2', 'many', true),
  topic('/contractMarket/ticker', 'many', true),
  topic('/contractMarket/level2Depth5', 'many', true),
  topic('/contractMarket/level2Depth50', 'many', true),
  topic('/contractMarket/level2', 'many', false),
  topic('/contractMarket/limitCandle', 'many', true, { arg: 'candle' }),
  topic('/contractMarket/execution', 'many', false),
  topic('/contract/instrument', 'many', true),
  // Funding settlements; without a symbol, every contract's.
  topic('/contract/announcement', 'many', false, { optionalArg: true }),
  topic('/contractMarket/snapshot', 'many', true),
  // Bare: every contract's orders; with symbols: those contracts'.
  privateTopic('/contractMarket/tradeOrders', 'many', false, { optionalArg: true }),
  privateTopic('/contractAccount/wallet', 'none'),
  privateTopic('/contract/position', 'many'),
  privateTopic('/contract/positionAll', 'none'),
  privateTopic('/contract/marginMode', 'none'),
  privateTopic('/contract/crossLeverage', 'none'),
  privateTopic('/contractMarket/advancedOrders', 'none')
]

const byPrefix = (specs: TopicSpec[]): ReadonlyMap<string, TopicSpec> => new Map(specs.map(s => [s.prefix, s]))

/** Every topic per host, by prefix (the part before the colon). */
export const WS_TOPICS: Readonly<Record<Market, ReadonlyMap<string, TopicSpec>>> = { spot: byPrefix(SPOT), futures: byPrefix(FUTURES) }

/** Candle types of `/market/candles` and `/contractMarket/limitCandle`, in ms (a month is 30 days, as in REST). */
export const CANDLE_MS: ReadonlyMap<string, number> = new Map(([
  ['1min', 60], ['3min', 180], ['5min', 300], ['15min', 900], ['30min', 1800], ['1hour', 3600], ['2hour', 7200],
  ['4hour', 14400], ['6hour', 21600], ['8hour', 28800], ['12hour', 43200], ['1day', 86400], ['1week', 604800], ['1month', 2592000]
] as const).map(([type, seconds]) => [type, seconds * 1000]))

/** `prefix` and the argument part of a topic (`''` when it has none). */
export function splitTopic (topic: string): [prefix: string, arg: string] {
  const colon = topic.indexOf(':')
  return colon < 0 ? [topic, ''] : [topic.slice(0, colon), topic.slice(colon + 1)]
}

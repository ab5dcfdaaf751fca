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

/**
 * How frames of a topic relate to each other, which decides what a slow
 * client may lose. `state`: each frame is a complete value (a ticker, a depth
 * snapshot, a candle, a mark price), so a newer frame of the same subject
 * (and the same candle start, and for market tags the same symbol) replaces
 * an older one. `event`: every frame matters (trades, book deltas, orders).
 */
export type TopicKind = 'state' | 'event'

/**
 * Which silence threshold applies (KGW_WS_STALE_*): `periodic` topics are
 * pushed on KuCoin's clock whatever the market does, so silence means a dead
 * feed; `market` topics are pushed when the market moves, so a quiet symbol
 * may be silent a while; `none`: silence is normal (account and settlement topics).
 */
export type FreshnessClass = 'periodic' | 'market' | 'none'

export interface TopicSpec {
  prefix: string
  /** Needs a bullet-private token and `privateChannel: true`. */
  private: boolean
  /** Arguments after the colon: none, exactly one, or a comma list. */
  symbols: 'none' | 'one' | 'many'
  /** Valid both with and without an argument (`/contractMarket/tradeOrders`). */
  optionalArg: boolean
  arg: TopicArg
  kind: TopicKind
  /** `kind === 'state'`: only the latest frame per subject matters. */
  conflate: boolean
  freshness: FreshnessClass
  /** The subjects KuCoin pushes on it (spec examples, PROTOCOL §6); `/market/ticker:all` puts the symbol there instead. */
  subjects: readonly string[]
}

interface Flags { private?: boolean, optionalArg?: boolean, arg?: TopicArg, freshness?: FreshnessClass }

const topic = (prefix: string, symbols: TopicSpec['symbols'], kind: TopicKind, subjects: string[], flags: Flags = {}): TopicSpec => ({
  prefix,
  private: flags.private ?? false,
  symbols,
  optionalArg: flags.optionalArg ?? false,
  arg: flags.arg ?? 'symbol',
  kind,
  conflate: kind === 'state',
  freshness: flags.freshness ?? (flags.private === true ? 'none' : 'market'),
  subjects
})
const privateTopic = (prefix: string, symbols: TopicSpec['symbols'], kind: TopicKind, subjects: string[], flags: Flags = {}): TopicSpec =>
  topic(prefix, symbols, kind, subjects, { ...flags, private: true })
const PERIODIC = { freshness: 'periodic' } as const

// Spot and margin topics live on the spot host.
const SPOT: TopicSpec[] = [
  topic('/market/ticker', 'many', 'state', ['trade.ticker'], { arg: 'ticker' }),
  topic('/spotMarket/level1', 'many', 'state', ['level1']),
  topic('/spotMarket/level2Depth5', 'many', 'state', ['level2']),
  topic('/spotMarket/level2Depth50', 'many', 'state', ['level2']),
  topic('/callauction/level2Depth50', 'one', 'state', ['level2']),
  topic('/callauction/callauctionData', 'one', 'state', ['callauction.callauctionData']),
  topic('/market/level2', 'many', 'event', ['trade.l2update']),
  // The spec documents one candle topic per frame; KuCoin takes comma lists on every topic (PROTOCOL §5.9).
  topic('/market/candles', 'many', 'state', ['trade.candles.update', 'trade.candles.add'], { arg: 'candle' }),
  topic('/market/match', 'many', 'event', ['trade.l3match']),
  topic('/market/snapshot', 'one', 'state', ['trade.snapshot'], { arg: 'snapshot', ...PERIODIC }),
  topic('/indicator/markPrice', 'many', 'state', ['tick'], PERIODIC),
  topic('/indicator/index', 'many', 'state', ['tick'], PERIODIC),
  privateTopic('/spotMarket/tradeOrdersV2', 'none', 'event', ['orderChange']),
  privateTopic('/spotMarket/tradeOrders', 'none', 'event', ['orderChange']),
  privateTopic('/account/balance', 'none', 'event', ['account.balance']),
  privateTopic('/spotMarket/advancedOrders', 'none', 'event', ['stopOrder']),
  privateTopic('/margin/isolatedPosition', 'one', 'event', ['positionChange']),
  // debt.ratio every 4 s, position.status on a change: two independent states.
  privateTopic('/margin/position', 'none', 'state', ['debt.ratio', 'position.status'], PERIODIC)
]

// Futures topics are documented with one symbol, but KuCoin accepts comma lists (PROTOCOL §5.9).
const FUTURES: TopicSpec[] = [
  topic('/contractMarket/tickerV2', 'many', 'state', ['tickerV2']),
  topic('/contractMarket/ticker', 'many', 'state', ['ticker']),
  topic('/contractMarket/level2Depth5', 'many', 'state', ['level2']),
  topic('/contractMarket/level2Depth50', 'many', 'state', ['level2']),
  topic('/contractMarket/level2', 'many', 'event', ['level2']),
  topic('/contractMarket/limitCandle', 'many', 'state', ['candle.stick'], { arg: 'candle', ...PERIODIC }),
  topic('/contractMarket/execution', 'many', 'event', ['match']),
  // mark.index.price every second and funding.rate every minute: two independent states.
  topic('/contract/instrument', 'many', 'state', ['mark.index.price', 'funding.rate'], PERIODIC),
  // Funding settlements (every 8 h); without a symbol, every contract's.
  topic('/contract/announcement', 'many', 'event', ['funding.begin', 'funding.end'], { optionalArg: true, freshness: 'none' }),
  topic('/contractMarket/snapshot', 'many', 'state', ['snapshot.24h'], PERIODIC),
  // Bare: every contract's orders; with symbols: those contracts'.
  privateTopic('/contractMarket/tradeOrders', 'many', 'event', ['symbolOrderChange', 'orderChange', 'orderUpdated'], { optionalArg: true }),
  privateTopic('/contractAccount/wallet', 'none', 'event', ['walletBalance.change', 'orderMargin.change', 'availableBalance.change']),
  privateTopic('/contract/position', 'many', 'event', ['position.change', 'position.settlement', 'position.adjustRiskLimit']),
  privateTopic('/contract/positionAll', 'none', 'event', ['position.change', 'position.settlement', 'position.adjustRiskLimit']),
  privateTopic('/contract/marginMode', 'none', 'event', ['user.config']),
  privateTopic('/contract/crossLeverage', 'none', 'event', ['user.config']),
  privateTopic('/contractMarket/advancedOrders', 'none', 'event', ['stopOrder'])
]

/**
 * Subscriptions KuCoin answers under another topic (the spec's push examples,
 * checked by test/kucoin/ws-topics.test.ts): a push whose topic is `push`
 * followed by `:<symbol>` (or exactly `push`, with `symbolFromData`) also
 * reaches the subscribers of `to` (with `symbolFromData`, of `to:<data.symbol>`).
 */
export interface PushAlias {
  push: string
  to: string
  symbolFromData?: boolean
}

export const PUSH_ALIASES: Readonly<Record<Market, readonly PushAlias[]>> = {
  spot: [],
  futures: [
    // Subscribed as `/contractMarket/tradeOrders`, pushed as `/contractMarket/tradeOrders:XBTUSDTM`.
    { push: '/contractMarket/tradeOrders', to: '/contractMarket/tradeOrders' },
    // Subscribed as `/contract/positionAll`, pushed as `/contract/position:XBTUSDTM`.
    { push: '/contract/position', to: '/contract/positionAll' },
    // Subscribed as `/contract/announcement:XBTUSDTM`, pushed as `/contract/announcement` with the symbol in data.
    { push: '/contract/announcement', to: '/contract/announcement', symbolFromData: true }
  ]
}

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

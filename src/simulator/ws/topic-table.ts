// The Classic WebSocket topics the simulator accepts, transcribed from the
// spec's ws.csv and ws/*.json (PROTOCOL Appendix B), not from the gateway's
// table: test/simulator/topic-table.test.ts compares it with ws.csv. KuCoin
// takes comma lists on symbol topics beyond what the spec shows (PROTOCOL §5.9).
import type { Market } from '../types.js'

/** What a topic's argument is: a symbol, `SYMBOL_type` (candles), a symbol or `all`, a symbol or market tag. */
export type TopicArg = 'symbol' | 'candle' | 'ticker' | 'snapshot'

export interface TopicSpec {
  prefix: string
  /** Needs a bullet-private token and `privateChannel: true`. */
  private: boolean
  /** Arguments after the colon: none, exactly one, or a comma list. */
  symbols: 'none' | 'one' | 'many'
  /** Also valid without an argument (`/contractMarket/tradeOrders`, `/contract/announcement`). */
  optionalArg: boolean
  arg: TopicArg
}

type Row = [prefix: string, symbols: TopicSpec['symbols'], arg?: TopicArg, optionalArg?: boolean]

const table = (priv: boolean, rows: Row[]): TopicSpec[] =>
  rows.map(([prefix, symbols, arg = 'symbol', optionalArg = false]) => ({ prefix, private: priv, symbols, optionalArg, arg }))

// Spot and margin share api.kucoin.com.
const SPOT = [
  ...table(false, [
    ['/market/ticker', 'many', 'ticker'], ['/spotMarket/level1', 'many'], ['/spotMarket/level2Depth5', 'many'],
    ['/spotMarket/level2Depth50', 'many'], ['/callauction/level2Depth50', 'one'], ['/callauction/callauctionData', 'one'],
    ['/market/level2', 'many'], ['/market/candles', 'many', 'candle'], ['/market/match', 'many'],
    ['/market/snapshot', 'one', 'snapshot'], ['/indicator/markPrice', 'many'], ['/indicator/index', 'many']
  ]),
  ...table(true, [
    ['/spotMarket/tradeOrdersV2', 'none'], ['/spotMarket/tradeOrders', 'none'], ['/account/balance', 'none'],
    ['/spotMarket/advancedOrders', 'none'], ['/margin/isolatedPosition', 'one'], ['/margin/position', 'none']
  ])
]

const FUTURES = [
  ...table(false, [
    ['/contractMarket/tickerV2', 'many'], ['/contractMarket/ticker', 'many'], ['/contractMarket/level2Depth5', 'many'],
    ['/contractMarket/level2Depth50', 'many'], ['/contractMarket/level2', 'many'], ['/contractMarket/limitCandle', 'many', 'candle'],
    ['/contractMarket/execution', 'many'], ['/contract/instrument', 'many'], ['/contract/announcement', 'many', 'symbol', true],
    ['/contractMarket/snapshot', 'many']
  ]),
  ...table(true, [
    ['/contractMarket/tradeOrders', 'many', 'symbol', true], ['/contractAccount/wallet', 'none'], ['/contract/position', 'many'],
    ['/contract/positionAll', 'none'], ['/contract/marginMode', 'none'], ['/contract/crossLeverage', 'none'],
    ['/contractMarket/advancedOrders', 'none']
  ])
]

export const TOPICS: Readonly<Record<Market, ReadonlyMap<string, TopicSpec>>> = {
  spot: new Map(SPOT.map(s => [s.prefix, s])),
  futures: new Map(FUTURES.map(s => [s.prefix, s]))
}

/** Candle types of `/market/candles` and `/contractMarket/limitCandle` in ms; a month is 30 days, as in REST. */
export const CANDLE_MS: ReadonlyMap<string, number> = new Map(([
  ['1min', 60], ['3min', 180], ['5min', 300], ['15min', 900], ['30min', 1800], ['1hour', 3600], ['2hour', 7200],
  ['4hour', 14400], ['6hour', 21600], ['8hour', 28800], ['12hour', 43200], ['1day', 86400], ['1week', 604800], ['1month', 2592000]
] as const).map(([type, seconds]) => [type, seconds * 1000]))

/** `prefix` and the argument part of a topic (`''` when it has none). */
export function splitTopic (topic: string): [prefix: string, arg: string] {
  const colon = topic.indexOf(':')
  return colon < 0 ? [topic, ''] : [topic.slice(0, colon), topic.slice(colon + 1)]
}

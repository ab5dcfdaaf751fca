// The Classic topics each host knows (PROTOCOL Appendix B) and how a
// requested topic expands into symbol-topics: `/market/ticker:A,B` is two,
// `/market/ticker:all` one, `/account/balance` one. Symbol-topics are what
// subscriptions, limits and pushes are keyed by.
import type { Market } from '../kucoin/catalog.js'
import type { SyntheticMarket } from './market.js'
import { WS_ERRORS } from './ws-types.js'
import type { WsError } from './ws-types.js'

/** What a topic's argument names: nothing, a symbol (or its absence), `SYMBOL_type`, or a symbol/`all`/market tag. */
type ArgKind = 'none' | 'symbol' | 'optional-symbol' | 'candle' | 'ticker' | 'snapshot'

interface TopicSpec { private: boolean, arg: ArgKind }

const pub = (arg: ArgKind): TopicSpec => ({ private: false, arg })
const priv = (arg: ArgKind): TopicSpec => ({ private: true, arg })

const TOPICS: Record<Market, ReadonlyMap<string, TopicSpec>> = {
  spot: new Map([
    ['/market/ticker', pub('ticker')],
    ['/spotMarket/level1', pub('symbol')],
    ['/spotMarket/level2Depth5', pub('symbol')],
    ['/spotMarket/level2Depth50', pub('symbol')],
    ['/market/level2', pub('symbol')],
    ['/market/match', pub('symbol')],
    ['/market/candles', pub('candle')],
    ['/market/snapshot', pub('snapshot')],
    ['/spotMarket/tradeOrdersV2', priv('none')],
    ['/spotMarket/tradeOrders', priv('none')],
    ['/account/balance', priv('none')],
    // Known so subscribing succeeds; the simulator has no stop orders to push.
    ['/spotMarket/advancedOrders', priv('none')]
  ]),
  futures: new Map([
    ['/contractMarket/tickerV2', pub('symbol')],
    ['/contractMarket/ticker', pub('symbol')],
    ['/contractMarket/level2', pub('symbol')],
    ['/contractMarket/level2Depth5', pub('symbol')],
    ['/contractMarket/level2Depth50', pub('symbol')],
    ['/contractMarket/execution', pub('symbol')],
    ['/contractMarket/limitCandle', pub('candle')],
    ['/contract/instrument', pub('symbol')],
    ['/contractMarket/snapshot', pub('symbol')],
    // Known but silent: funding settles every 8 h, beyond any test.
    ['/contract/announcement', pub('optional-symbol')],
    ['/contractMarket/tradeOrders', priv('optional-symbol')],
    ['/contractAccount/wallet', priv('none')],
    ['/contract/position', priv('symbol')],
    ['/contract/positionAll', priv('none')],
    // Known but silent: the demo account never changes margin mode or cross leverage.
    ['/contract/marginMode', priv('none')],
    ['/contract/crossLeverage', priv('none')],
    ['/contractMarket/advancedOrders', priv('none')]
  ])
}

/** Candle types of `/market/candles` and `/contractMarket/limitCandle`, in ms (a month is 30 days, as in REST). */
export const CANDLE_MS: ReadonlyMap<string, number> = new Map(([
  ['1min', 60], ['3min', 180], ['5min', 300], ['15min', 900], ['30min', 1800], ['1hour', 3600], ['2hour', 7200],
  ['4hour', 14400], ['6hour', 21600], ['8hour', 28800], ['12hour', 43200], ['1day', 86400], ['1week', 604800], ['1month', 2592000]
] as const).map(([type, seconds]) => [type, seconds * 1000]))

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

/** `prefix` and the argument of a symbol-topic (`''` when it has none). */
export function splitTopic (topic: string): [prefix: string, arg: string] {
  const colon = topic.indexOf(':')
  return colon < 0 ? [topic, ''] : [topic.slice(0, colon), topic.slice(colon + 1)]
}

/** `SYMBOL_type` → [symbol, type]; symbols never contain `_`. */
export function splitCandle (arg: string): [symbol: string, type: string] {
  const underscore = arg.lastIndexOf('_')
  return underscore < 0 ? [arg, ''] : [arg.slice(0, underscore), arg.slice(underscore + 1)]
}

function validArg (market: Market, sim: SyntheticMarket, kind: ArgKind, arg: string): boolean {
  const symbols: ReadonlyMap<string, unknown> = market === 'spot' ? sim.spot : sim.futures
  switch (kind) {
    case 'none': return false
    case 'symbol':
    case 'optional-symbol': return symbols.has(arg)
    case 'ticker': return arg === 'all' || symbols.has(arg)
    case 'candle': {
      const [symbol, type] = splitCandle(arg)
      return symbols.has(symbol) && CANDLE_MS.has(type)
    }
    case 'snapshot': return symbols.has(arg) || [...sim.spot.values()].some(s => s.instrument.marketTag === arg)
  }
}

/**
 * The distinct symbol-topics of a request, or 404 with the topic as sent.
 * `lenient` (unsubscribe) skips symbol checks: dropping what was never there is harmless.
 */
export function expandTopic (market: Market, sim: SyntheticMarket, request: TopicRequest, topic: string, lenient = false): string[] | WsError {
  const { prefix, args, spec } = request
  if (args.length === 0) return spec.arg === 'none' || spec.arg === 'optional-symbol' ? [prefix] : WS_ERRORS.notFound(topic)
  if (!lenient && !args.every(arg => validArg(market, sim, spec.arg, arg))) return WS_ERRORS.notFound(topic)
  return [...new Set(args)].map(arg => `${prefix}:${arg}`)
}

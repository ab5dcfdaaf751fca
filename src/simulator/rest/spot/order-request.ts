// Validation of a spot HF order body (PROTOCOL §7). Every problem is a 400100
// with a message saying which field is wrong, as KuCoin does.
import { positiveDecimal } from '../../engine/decimal.js'
import { spotParam } from '../errors.js'
import type { SpotPair } from '../../engine/instruments.js'
import type { InstrumentState, SyntheticMarket } from '../../engine/market.js'

export type Side = 'buy' | 'sell'
export type TimeInForce = 'GTC' | 'GTT' | 'IOC' | 'FOK'

export interface SpotOrderRequest {
  state: InstrumentState<SpotPair>
  clientOid: string | undefined
  side: Side
  type: 'limit' | 'market'
  /** Limit price; 0 for market orders. */
  price: number
  /** Base size; 0 when a market order gives funds instead. */
  size: number
  /** Quote amount of a market order; 0 otherwise. */
  funds: number
  timeInForce: TimeInForce
  postOnly: boolean
  hidden: boolean
  iceberg: boolean
  remark: string | null
  tags: string | null
  /** HF only: the order fails if it arrives later than `clientTimestamp + allowMaxTimeWindow` (ms). */
  timeWindow: { allowMaxTimeWindow: number, clientTimestamp: number } | undefined
}

const CLIENT_OID = /^[A-Za-z0-9_-]{1,40}$/
const TIME_IN_FORCE = new Set(['GTC', 'GTT', 'IOC', 'FOK'])

function optionalText (body: Record<string, unknown>, field: string, max: number): string | null {
  const value = body[field]
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value.length > max) throw spotParam(`${field} is invalid`)
  return value
}

function parseAmounts (body: Record<string, unknown>, type: 'limit' | 'market', pair: SpotPair): { price: number, size: number, funds: number } {
  const size = body.size === undefined ? undefined : positiveDecimal(body.size)
  if (body.size !== undefined && size === undefined) throw spotParam('size is invalid')
  if (type === 'limit') {
    const price = positiveDecimal(body.price)
    if (price === undefined) throw spotParam('price is invalid')
    if (size === undefined) throw spotParam('size is required')
    if (size < pair.baseMinSize) throw spotParam('Order size below the minimum requirement.')
    return { price, size, funds: 0 }
  }
  const funds = body.funds === undefined ? undefined : positiveDecimal(body.funds)
  if (body.funds !== undefined && funds === undefined) throw spotParam('funds is invalid')
  if ((size === undefined) === (funds === undefined)) throw spotParam('Exactly one of size or funds is required for a market order')
  if (size !== undefined && size < pair.baseMinSize) throw spotParam('Order size below the minimum requirement.')
  if (funds !== undefined && funds < pair.minFunds) throw spotParam('Order funds below the minimum requirement.')
  return { price: 0, size: size ?? 0, funds: funds ?? 0 }
}

function wholeNumber (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined
}

/** `allowMaxTimeWindow` needs `clientTimestamp` (the spec: "Need to be defined if allowMaxTimeWindow is specified"). */
function parseTimeWindow (body: Record<string, unknown>): SpotOrderRequest['timeWindow'] {
  if (body.allowMaxTimeWindow === undefined || body.allowMaxTimeWindow === null) return undefined
  const allowMaxTimeWindow = wholeNumber(body.allowMaxTimeWindow)
  if (allowMaxTimeWindow === undefined || allowMaxTimeWindow <= 0) throw spotParam('allowMaxTimeWindow is invalid')
  const clientTimestamp = wholeNumber(body.clientTimestamp)
  if (clientTimestamp === undefined || clientTimestamp <= 0) throw spotParam('clientTimestamp is required when allowMaxTimeWindow is set')
  return { allowMaxTimeWindow, clientTimestamp }
}

/** The message of a late HF order. Neither PROTOCOL nor the spec names the code, so it is a 400100 parameter error. */
export const LATE_ORDER_MSG = 'The order arrived later than clientTimestamp + allowMaxTimeWindow and was not placed.'

/** Refuses an HF order that arrived (simulator clock `now`) after its time window closed; nothing is placed. */
export function checkTimeWindow (request: SpotOrderRequest, now: number): void {
  const window = request.timeWindow
  if (window !== undefined && now > window.clientTimestamp + window.allowMaxTimeWindow) throw spotParam(LATE_ORDER_MSG)
}

export function parseSpotOrder (body: Record<string, unknown>, market: SyntheticMarket): SpotOrderRequest {
  const { clientOid, symbol, side, type, timeInForce = 'GTC' } = body
  if (clientOid !== undefined && (typeof clientOid !== 'string' || !CLIENT_OID.test(clientOid))) throw spotParam('clientOid is invalid')
  if (typeof symbol !== 'string' || symbol === '') throw spotParam('symbol is required')
  const state = market.spot.get(symbol)
  if (state === undefined) throw spotParam('Unsupported trading pair.')
  if (side !== 'buy' && side !== 'sell') throw spotParam('side is invalid')
  if (type !== 'limit' && type !== 'market') throw spotParam('type is invalid')
  if (typeof timeInForce !== 'string' || !TIME_IN_FORCE.has(timeInForce)) throw spotParam('timeInForce is invalid')
  return {
    state,
    clientOid,
    side,
    type,
    ...parseAmounts(body, type, state.instrument),
    timeInForce: timeInForce as TimeInForce,
    postOnly: body.postOnly === true,
    hidden: body.hidden === true,
    iceberg: body.iceberg === true,
    remark: optionalText(body, 'remark', 20),
    tags: optionalText(body, 'tags', 20),
    timeWindow: parseTimeWindow(body)
  }
}

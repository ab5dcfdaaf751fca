// Validation of a futures order body (PROTOCOL §7): futures answer parameter
// problems with 100001 and unknown contracts with 100003.
import { positiveDecimal } from '../../engine/decimal.js'
import { SimError, futuresParam } from '../errors.js'
import type { FuturesContract } from '../../engine/instruments.js'
import type { InstrumentState, SyntheticMarket } from '../../engine/market.js'

export interface FuturesOrderRequest {
  state: InstrumentState<FuturesContract>
  clientOid: string
  side: 'buy' | 'sell'
  type: 'limit' | 'market'
  /** Limit price; 0 for market orders. */
  price: number
  /** Lots. */
  size: number
  leverage: number
  timeInForce: 'GTC' | 'IOC'
  marginMode: 'ISOLATED' | 'CROSS'
  postOnly: boolean
  hidden: boolean
  iceberg: boolean
  reduceOnly: boolean
  closeOrder: boolean
  remark: string | null
}

const CLIENT_OID = /^[A-Za-z0-9_-]{1,40}$/

function lots (value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw futuresParam('size must be a positive integer number of lots')
  return n
}

function leverage (value: unknown, max: number): number {
  const n = positiveDecimal(value)
  if (n === undefined || n > max) throw futuresParam(`leverage must be between 1 and ${max}`)
  return n
}

function choice<T extends string> (value: unknown, allowed: readonly T[], fallback: T, field: string): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw futuresParam(`${field} is invalid`)
  return value as T
}

export function parseFuturesOrder (body: Record<string, unknown>, market: SyntheticMarket): FuturesOrderRequest {
  const { clientOid, symbol, side } = body
  if (typeof clientOid !== 'string' || !CLIENT_OID.test(clientOid)) throw futuresParam('clientOid is required (1-40 of a-z, A-Z, 0-9, _ and -)')
  if (typeof symbol !== 'string' || symbol === '') throw futuresParam('symbol is required')
  const state = market.futures.get(symbol)
  if (state === undefined) throw new SimError('100003')
  if (side !== 'buy' && side !== 'sell') throw futuresParam('side is invalid')
  const type = choice(body.type, ['limit', 'market'], 'limit', 'type')
  const price = type === 'limit' ? positiveDecimal(body.price) : 0
  if (price === undefined) throw futuresParam('price is required for a limit order')
  return {
    state,
    clientOid,
    side,
    type,
    price,
    size: lots(body.size),
    leverage: leverage(body.leverage, state.instrument.maxLeverage),
    timeInForce: choice(body.timeInForce, ['GTC', 'IOC'], 'GTC', 'timeInForce'),
    marginMode: choice(body.marginMode, ['ISOLATED', 'CROSS'], 'ISOLATED', 'marginMode'),
    postOnly: body.postOnly === true,
    hidden: body.hidden === true,
    iceberg: body.iceberg === true,
    reduceOnly: body.reduceOnly === true,
    closeOrder: body.closeOrder === true,
    remark: typeof body.remark === 'string' ? body.remark : null
  }
}

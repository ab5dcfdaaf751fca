// CandleInterval in KuCoin's words: spot REST and WebSocket use type names
// (`1min`), futures REST uses minutes (`granularity=1`).
import { GatewayError } from '../../errors.js'
import type { CandleInterval } from '../schema-types.generated.js'

const SPOT: Record<CandleInterval, string> = {
  MIN_1: '1min',
  MIN_3: '3min',
  MIN_5: '5min',
  MIN_15: '15min',
  MIN_30: '30min',
  HOUR_1: '1hour',
  HOUR_2: '2hour',
  HOUR_4: '4hour',
  HOUR_6: '6hour',
  HOUR_8: '8hour',
  HOUR_12: '12hour',
  DAY_1: '1day',
  WEEK_1: '1week',
  MONTH_1: '1month'
}

const FUTURES_MINUTES: Partial<Record<CandleInterval, number>> = {
  MIN_1: 1,
  MIN_5: 5,
  MIN_15: 15,
  MIN_30: 30,
  HOUR_1: 60,
  HOUR_2: 120,
  HOUR_4: 240,
  HOUR_8: 480,
  HOUR_12: 720,
  DAY_1: 1440,
  WEEK_1: 10080
}

export const spotCandleType = (interval: CandleInterval): string => SPOT[interval]

export function futuresGranularity (interval: CandleInterval): number {
  const minutes = FUTURES_MINUTES[interval]
  if (minutes === undefined) throw new GatewayError('bad-request', { market: 'futures', detail: `futures candles have no ${interval} interval` })
  return minutes
}

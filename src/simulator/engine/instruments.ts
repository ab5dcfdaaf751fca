// The instruments of the synthetic market. Futures contracts follow a spot
// pair (their index), so spot and futures prices stay in line.
import { decimalsOf } from './decimal.js'

export interface SpotPair {
  kind: 'spot'
  symbol: string
  base: string
  quote: string
  /** Starting (and long-run centre) price. */
  price: number
  priceIncrement: number
  baseIncrement: number
  baseMinSize: number
  minFunds: number
  /** Typical size of a book level, in base units. */
  levelSize: number
  /** The `market` field of /api/v2/symbols. */
  marketTag: string
  priceDecimals: number
  sizeDecimals: number
}

export interface FuturesContract {
  kind: 'futures'
  symbol: string
  base: string
  quote: string
  settle: string
  /** Spot pair whose price is this contract's index. */
  index: string
  /** Base units per lot (linear) or quote units per lot (inverse). */
  multiplier: number
  inverse: boolean
  tickSize: number
  /** Typical size of a book level, in lots. */
  levelSize: number
  maxLeverage: number
  priceDecimals: number
  sizeDecimals: 0
}

export type Instrument = SpotPair | FuturesContract

function pair (symbol: string, price: number, priceIncrement: number, baseIncrement: number, baseMinSize: number, levelSize: number): SpotPair {
  const [base = '', quote = ''] = symbol.split('-')
  return {
    kind: 'spot',
    symbol,
    base,
    quote,
    price,
    priceIncrement,
    baseIncrement,
    baseMinSize,
    minFunds: quote === 'USDT' ? 0.1 : 0.000001,
    levelSize,
    marketTag: quote === 'USDT' ? 'USDS' : quote,
    priceDecimals: decimalsOf(priceIncrement),
    sizeDecimals: decimalsOf(baseIncrement)
  }
}

function contract (symbol: string, index: string, multiplier: number, tickSize: number, levelSize: number): FuturesContract {
  const inverse = symbol.endsWith('USDM')
  const base = symbol.startsWith('XBT') ? 'XBT' : symbol.slice(0, symbol.indexOf('USD'))
  return {
    kind: 'futures',
    symbol,
    base,
    quote: inverse ? 'USD' : 'USDT',
    settle: inverse ? base : 'USDT',
    index,
    multiplier,
    inverse,
    tickSize,
    levelSize,
    maxLeverage: 125,
    priceDecimals: decimalsOf(tickSize),
    sizeDecimals: 0
  }
}

export const SPOT_PAIRS: readonly SpotPair[] = [
  pair('BTC-USDT', 67000, 0.1, 0.00000001, 0.00001, 0.4),
  pair('ETH-USDT', 2600, 0.01, 0.0000001, 0.0001, 6),
  pair('SOL-USDT', 150, 0.01, 0.0001, 0.01, 80),
  pair('KCS-USDT', 10, 0.001, 0.0001, 0.01, 900),
  pair('ETH-BTC', 0.0388, 0.00001, 0.0000001, 0.0001, 6)
]

export const FUTURES_CONTRACTS: readonly FuturesContract[] = [
  contract('XBTUSDTM', 'BTC-USDT', 0.001, 0.1, 3000),
  contract('ETHUSDTM', 'ETH-USDT', 0.01, 0.01, 2000),
  contract('SOLUSDTM', 'SOL-USDT', 0.1, 0.001, 1500),
  contract('XBTUSDM', 'BTC-USDT', -1, 0.1, 20000)
]

/** Currencies the reference data and the demo account know. */
export const CURRENCIES: ReadonlyArray<{ currency: string, fullName: string, precision: number }> = [
  { currency: 'BTC', fullName: 'Bitcoin', precision: 8 },
  { currency: 'ETH', fullName: 'Ethereum', precision: 8 },
  { currency: 'USDT', fullName: 'Tether', precision: 8 },
  { currency: 'SOL', fullName: 'Solana', precision: 8 },
  { currency: 'KCS', fullName: 'KuCoin Token', precision: 8 }
]

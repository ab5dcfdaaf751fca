// Everything one simulator instance owns; route handlers reach it through
// their context, so parallel simulators never share state.
import type { Market } from '../types.js'
import type { FuturesAccount } from './futures-account.js'
import type { SyntheticMarket } from './market.js'
import type { SpotAccount } from './spot-account.js'
import type { SimKey } from '../types.js'

export class Clock {
  constructor (public offsetMs: number) {}

  now (): number {
    return Date.now() + this.offsetMs
  }
}

export interface IssuedToken {
  market: Market
  /** The signing key of a bullet-private token. */
  key: SimKey | undefined
  private: boolean
  /** Simulator clock at issue. */
  issuedAt: number
}

/** Visibility lag of new orders, in ms (types.ts OrderLag, resolved). */
export interface Lag { lookupMs: number, streamMs: number }

export interface SimState {
  clock: Clock
  market: SyntheticMarket
  /** Spot HF and Classic orders share one book of orders, as on KuCoin. */
  spotAccount: SpotAccount
  /** The cross-margin account of margin HF orders (`/api/v3/hf/margin/...`). */
  marginAccount: SpotAccount
  futuresAccount: FuturesAccount
  lag: Lag
  /** Issued WebSocket tokens, for the WebSocket half to validate. */
  tokens: Map<string, IssuedToken>
  /** `ws://host:port/` of each host, for bullet responses. */
  wsEndpoints: { spot: string, futures: string }
  /** `pingInterval` / `pingTimeout` the bullet responses advertise. */
  wsPing: { interval: number, timeout: number }
}

/** Whether a single-order lookup at `now` may see an order created at `createdAt` (the lookup lag has passed). */
export function visible (state: SimState, createdAt: number, now: number): boolean {
  return now - createdAt >= state.lag.lookupMs
}

// Tokens the gateway's own bullet endpoints hand out. A client connects to
// /spot/ws or /futures/ws with one; it says which market and whether private
// topics are allowed. Bounded in number and lifetime.
import { randomBytes } from 'node:crypto'
import type { Market } from '../kucoin/catalog.js'

export interface TokenGrant { market: Market, private: boolean, expiresAt: number }

export class TokenStore {
  private readonly grants = new Map<string, TokenGrant>()

  constructor (private readonly ttlMs: number, private readonly maxTokens: number, private readonly now: () => number = Date.now) {}

  issue (market: Market, isPrivate: boolean): string {
    this.prune()
    // Oldest first: when full, the oldest grant makes room.
    if (this.grants.size >= this.maxTokens) this.grants.delete(this.grants.keys().next().value!)
    const token = randomBytes(24).toString('base64url')
    this.grants.set(token, { market, private: isPrivate, expiresAt: this.now() + this.ttlMs })
    return token
  }

  /** The grant for a token, if it exists, has not expired and is for this market. */
  check (token: string | undefined, market: Market): TokenGrant | undefined {
    if (!token) return undefined
    const grant = this.grants.get(token)
    if (!grant || grant.market !== market || grant.expiresAt <= this.now()) return undefined
    return grant
  }

  private prune (): void {
    const now = this.now()
    for (const [token, grant] of this.grants) {
      if (grant.expiresAt > now) break // insertion order = expiry order
      this.grants.delete(token)
    }
  }
}

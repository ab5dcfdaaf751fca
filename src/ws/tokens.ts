// Tokens the gateway's own bullet endpoints hand out. A client connects to
// /spot/ws or /futures/ws with one; it says which market and whether private
// topics are allowed. Bounded in number and lifetime (KGW_WS_TOKEN_TTL_MS,
// which only limits new connections: an open socket outlives its token).
// A token whose time is up, or that the store no longer holds (evicted, or
// issued before a restart), is refused as `token is expired`: the text on
// which ccxt drops the URL it caches and fetches a new bullet.
import { randomBytes } from 'node:crypto'
import type { Market } from '../kucoin/catalog.js'

/** What issue() makes: 24 random bytes, base64url. */
const TOKEN_SHAPE = /^[\w-]{32}$/

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

  /** Why a token that `check` refused is refused: KuCoin's two texts for code 401. */
  refusal (token: string | undefined, market: Market): 'token is expired' | 'token is invalid' {
    if (!token || !TOKEN_SHAPE.test(token)) return 'token is invalid'
    const grant = this.grants.get(token)
    if (grant && grant.market !== market) return 'token is invalid'
    return 'token is expired'
  }

  private prune (): void {
    const now = this.now()
    for (const [token, grant] of this.grants) {
      if (grant.expiresAt > now) break // insertion order = expiry order
      this.grants.delete(token)
    }
  }
}

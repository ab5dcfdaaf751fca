// Tokens the gateway's own bullet endpoints hand out. A client connects to
// /spot/ws or /futures/ws with one; it says which market and whether private
// topics are allowed. Tokens are signed, not stored (token-codec.ts): nothing
// to bound but the lifetime (KGW_WS_TOKEN_TTL_MS, which only limits new
// connections: an open socket outlives its token), and every replica that
// holds the key accepts them. The key is random per process; in replica mode
// src/replicas/token-key.ts replaces it with the group's key from Redis.
// A token whose time is up, or signed with a key this process does not hold
// (issued before a restart, or under a key the group has since replaced), is
// refused as `token is expired`: the text on which ccxt drops the URL it
// caches and fetches a new bullet. A malformed, altered or forged token, or
// one for the other market, is `token is invalid`.
import type { Market } from '../kucoin/catalog.js'
import { decodeToken, encodeToken, randomTokenKey, type TokenKey } from './token-codec.js'

export interface TokenGrant { market: Market, private: boolean }

export type TokenRefusal = 'token is expired' | 'token is invalid'

/** Replaced keys kept for checking (each only while tokens it signed can still be alive): a bound, not a need. */
const MAX_RETIRED_KEYS = 8

export class WsTokens {
  private current: TokenKey = randomTokenKey()
  /** Keys that signed before the current one, by id (hex), with when they stopped signing. */
  private readonly retired = new Map<string, { key: TokenKey, until: number }>()

  constructor (private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** The key this process signs with now (replica mode offers it to the group when Redis has none). */
  get signingKey (): TokenKey { return this.current }

  /** Sign with `key` from now on; the one it replaces still checks the tokens it signed until they expire. */
  useKey (key: TokenKey): boolean {
    if (key.secret.equals(this.current.secret)) return false
    this.retired.set(this.current.id.toString('hex'), { key: this.current, until: this.now() })
    this.retired.delete(key.id.toString('hex'))
    this.current = key
    this.prune()
    return true
  }

  issue (market: Market, isPrivate: boolean): string {
    return encodeToken(this.current, { market, private: isPrivate, issuedAt: this.now() })
  }

  /** The grant a token gives on this market's endpoint, or KuCoin's text for why it gives none. */
  verify (token: unknown, market: Market): { grant: TokenGrant } | { refusal: TokenRefusal } {
    const reading = decodeToken(token, id => this.keyFor(id))
    if (!reading.ok) return { refusal: reading.reason === 'unknown-key' ? 'token is expired' : 'token is invalid' }
    const { claims } = reading
    if (claims.market !== market) return { refusal: 'token is invalid' }
    if (claims.issuedAt + this.ttlMs <= this.now()) return { refusal: 'token is expired' }
    return { grant: { market: claims.market, private: claims.private } }
  }

  private keyFor (id: string): TokenKey | undefined {
    if (id === this.current.id.toString('hex')) return this.current
    return this.retired.get(id)?.key
  }

  /** A retired key's last token expires a lifetime after it stopped signing here. */
  private prune (): void {
    const now = this.now()
    for (const [id, { until }] of this.retired) if (until + this.ttlMs <= now) this.retired.delete(id)
    // Insertion order = retirement order: the oldest go first.
    for (const id of this.retired.keys()) {
      if (this.retired.size <= MAX_RETIRED_KEYS) break
      this.retired.delete(id)
    }
  }
}

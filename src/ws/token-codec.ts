// The bytes of a gateway WebSocket token (the `token` a bullet answer hands
// out): stateless, so any replica holding the signing key can check it
// without asking the one that issued it.
//
//   version(1) keyId(4) flags(1) issuedAt ms(6) nonce(8) tag(16) = 36 bytes = 48 base64url chars
//
// flags: bit 0 futures, bit 1 private. The tag is HMAC-SHA256 over the first 20
// bytes, truncated to 128 bits (ample for a MAC; keeps the URL short). The key
// id names the key without revealing it, so a replica can tell "signed with a
// key I do not hold" (issued before a restart, or under another key: refetch)
// from "not signed by any key of ours" (forged or altered). The token carries
// when it was issued, not when it expires: the checking replica applies its own
// KGW_WS_TOKEN_TTL_MS.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Market } from '../kucoin/catalog.js'

export const TOKEN_KEY_BYTES = 32
const VERSION = 1
const SIGNED_BYTES = 20
const TAG_BYTES = 16
const TOKEN_SHAPE = /^[\w-]{48}$/
const FUTURES = 1
const PRIVATE = 2

export interface TokenKey { id: Buffer, secret: Buffer }

export interface TokenClaims { market: Market, private: boolean, issuedAt: number }

/** A decoded token: its claims if its tag is right, or why it is refused. */
export type TokenReading =
  | { ok: true, claims: TokenClaims }
  | { ok: false, reason: 'malformed' | 'unknown-key' | 'bad-tag' }

export function tokenKey (secret: Buffer): TokenKey {
  if (secret.length !== TOKEN_KEY_BYTES) throw new Error(`a token key has ${TOKEN_KEY_BYTES} bytes, not ${secret.length}`)
  const id = createHash('sha256').update('kgw-ws-token-key-id\0').update(secret).digest().subarray(0, 4)
  return { id, secret }
}

export function randomTokenKey (): TokenKey {
  return tokenKey(randomBytes(TOKEN_KEY_BYTES))
}

export function encodeToken (key: TokenKey, claims: TokenClaims): string {
  const bytes = Buffer.alloc(SIGNED_BYTES + TAG_BYTES)
  bytes[0] = VERSION
  key.id.copy(bytes, 1)
  bytes[5] = (claims.market === 'futures' ? FUTURES : 0) | (claims.private ? PRIVATE : 0)
  bytes.writeUIntBE(claims.issuedAt, 6, 6)
  randomBytes(8).copy(bytes, 12)
  tag(key, bytes).copy(bytes, SIGNED_BYTES)
  return bytes.toString('base64url')
}

/** `keyFor` finds a held key by its 4-byte id (hex). */
export function decodeToken (text: unknown, keyFor: (id: string) => TokenKey | undefined): TokenReading {
  if (typeof text !== 'string' || !TOKEN_SHAPE.test(text)) return { ok: false, reason: 'malformed' }
  // 48 base64url characters are exactly 36 bytes, every bit used: no two texts decode alike.
  const bytes = Buffer.from(text, 'base64url')
  const flags = bytes[5]!
  if (bytes[0] !== VERSION || (flags & ~(FUTURES | PRIVATE)) !== 0) return { ok: false, reason: 'malformed' }
  const key = keyFor(bytes.subarray(1, 5).toString('hex'))
  if (key === undefined) return { ok: false, reason: 'unknown-key' }
  if (!timingSafeEqual(tag(key, bytes), bytes.subarray(SIGNED_BYTES))) return { ok: false, reason: 'bad-tag' }
  return { ok: true, claims: { market: (flags & FUTURES) !== 0 ? 'futures' : 'spot', private: (flags & PRIVATE) !== 0, issuedAt: bytes.readUIntBE(6, 6) } }
}

function tag (key: TokenKey, bytes: Buffer): Buffer {
  return createHmac('sha256', key.secret).update(bytes.subarray(0, SIGNED_BYTES)).digest().subarray(0, TAG_BYTES)
}

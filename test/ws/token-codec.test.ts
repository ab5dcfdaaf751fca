// Gateway WebSocket tokens are signed, not stored (src/ws/token-codec.ts,
// src/ws/tokens.ts): what a token says is what its tag covers, a token signed
// with a key the process does not hold is `token is expired` (fetch a new
// bullet), and anything malformed, altered or for the other market is
// `token is invalid`.
import t from 'tap'
import { decodeToken, encodeToken, randomTokenKey, tokenKey, type TokenKey } from '../../src/ws/token-codec.js'
import { WsTokens } from '../../src/ws/tokens.js'

const HOUR = 3_600_000

function holding (...keys: TokenKey[]): (id: string) => TokenKey | undefined {
  return id => keys.find(k => k.id.toString('hex') === id)
}

/** The token with one base64url character at `index` replaced by another. */
function withCharChanged (token: string, index: number): string {
  const swapped = token[index] === 'A' ? 'B' : 'A'
  return token.slice(0, index) + swapped + token.slice(index + 1)
}

t.test('a token round-trips its claims, is URL-safe and 48 characters long', async t => {
  const key = randomTokenKey()
  for (const claims of [{ market: 'spot', private: false, issuedAt: 1_700_000_000_123 }, { market: 'futures', private: true, issuedAt: 1 }] as const) {
    const token = encodeToken(key, claims)
    t.match(token, /^[A-Za-z0-9_-]{48}$/)
    t.same(decodeToken(token, holding(key)), { ok: true, claims })
  }
  const twice = [encodeToken(key, { market: 'spot', private: false, issuedAt: 5 }), encodeToken(key, { market: 'spot', private: false, issuedAt: 5 })]
  t.not(twice[0], twice[1], 'the nonce makes tokens of the same instant differ')
})

t.test('every altered character is refused; a wrong key is unknown; malformed texts are malformed', async t => {
  const key = randomTokenKey()
  const token = encodeToken(key, { market: 'spot', private: false, issuedAt: Date.now() })
  const reasons = new Set<string>()
  for (let i = 0; i < token.length; i++) {
    const reading = decodeToken(withCharChanged(token, i), holding(key))
    t.equal(reading.ok, false, `character ${i} altered`)
    if (!reading.ok) reasons.add(reading.reason)
  }
  t.same([...reasons].sort(), ['bad-tag', 'malformed', 'unknown-key'], 'flag/version bytes: malformed; key id: unknown; claims, nonce and tag: bad tag')
  t.same(decodeToken(token, holding(randomTokenKey())), { ok: false, reason: 'unknown-key' }, 'signed with a key not held')
  // A key that claims the signer's id but has another secret (an id collision, or a forger's guess): the tag decides.
  const impostor: TokenKey = { id: key.id, secret: randomTokenKey().secret }
  t.same(decodeToken(token, holding(impostor)), { ok: false, reason: 'bad-tag' })
  for (const text of [undefined, '', 'nope', token.slice(1), `${token}A`, token.replace(/.$/, '='), token.replace(/^./, '+'), ['x'], 42]) {
    t.same(decodeToken(text, holding(key)), { ok: false, reason: 'malformed' }, `malformed: ${JSON.stringify(text)}`)
  }
  t.throws(() => tokenKey(Buffer.alloc(16)), /32 bytes/, 'a key is 32 bytes')
})

t.test('WsTokens: market, lifetime from issue, KuCoin\'s refusal texts', async t => {
  let now = 1_000_000
  const tokens = new WsTokens(HOUR, () => now)
  const spot = tokens.issue('spot', true)
  t.same(tokens.verify(spot, 'spot'), { grant: { market: 'spot', private: true } })
  t.same(tokens.verify(spot, 'futures'), { refusal: 'token is invalid' }, 'a spot token on /futures/ws')
  t.same(tokens.verify(withCharChanged(spot, 40), 'spot'), { refusal: 'token is invalid' }, 'an altered tag')
  t.same(tokens.verify('nope', 'spot'), { refusal: 'token is invalid' })
  t.same(tokens.verify(undefined, 'spot'), { refusal: 'token is invalid' })
  now += HOUR - 1
  t.ok('grant' in tokens.verify(spot, 'spot'), 'valid until its lifetime is up')
  now += 1
  t.same(tokens.verify(spot, 'spot'), { refusal: 'token is expired' }, 'then expired')
  t.same(tokens.verify(new WsTokens(HOUR, () => now).issue('spot', false), 'spot'), { refusal: 'token is expired' }, 'another process\'s (a restart\'s) token: expired, so ccxt fetches a new bullet')
})

t.test('WsTokens: a replaced key checks the tokens it signed until they expire; a shared key is accepted everywhere', async t => {
  let now = 0
  const a = new WsTokens(HOUR, () => now)
  const b = new WsTokens(HOUR, () => now)
  const before = a.issue('spot', false)
  t.same(b.verify(before, 'spot'), { refusal: 'token is expired' }, 'different keys: not accepted')
  const group = randomTokenKey()
  t.equal(a.useKey(group), true)
  t.equal(a.useKey(group), false, 'the same key again changes nothing')
  b.useKey(group)
  const shared = a.issue('futures', false)
  t.ok('grant' in b.verify(shared, 'futures'), 'signed by a, checked by b')
  t.ok('grant' in a.verify(before, 'spot'), 'a still checks what its old key signed')
  now += HOUR / 2
  a.useKey(randomTokenKey())
  t.ok('grant' in a.verify(shared, 'futures'), 'two keys back: still checked')
  now += HOUR
  a.useKey(randomTokenKey()) // replacing prunes retired keys whose tokens have all expired
  t.same(a.verify(before, 'spot'), { refusal: 'token is expired' })
  t.same(a.verify(shared, 'futures'), { refusal: 'token is expired' })
  for (let i = 0; i < 20; i++) a.useKey(randomTokenKey())
  t.ok('grant' in a.verify(a.issue('spot', false), 'spot'), 'many replacements later the current key signs and checks')
})

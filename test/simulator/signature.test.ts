// The simulator's signature check against the shared vectors (signed by the
// official SDK and ccxt, not by this project) and PROTOCOL §1.2–1.3's worked
// examples: the check must accept each and refuse any change to it.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { expectedPassphrase, signatureValid } from '../../src/simulator/rest/signature.js'

interface Vector {
  apiSecret: string
  passphrase: string
  timestamp: string
  method: string
  requestPath: string
  body: string
  expected: { 'KC-API-SIGN': string, 'KC-API-PASSPHRASE': string }
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/signing-vectors.json', import.meta.url), 'utf8')) as Vector[]

function request (v: Vector, sign = v.expected['KC-API-SIGN']): Parameters<typeof signatureValid>[0] {
  const q = v.requestPath.indexOf('?')
  return { method: v.method, path: q < 0 ? v.requestPath : v.requestPath.slice(0, q), rawQuery: q < 0 ? '' : v.requestPath.slice(q + 1), body: v.body, timestamp: v.timestamp, sign }
}

t.test('every shared vector verifies, and no altered one does', async t => {
  t.ok(vectors.length >= 7)
  for (const v of vectors) {
    const label = `${v.method} ${v.requestPath}`
    t.ok(signatureValid(request(v), v.apiSecret, false), label)
    t.equal(expectedPassphrase(2, v.apiSecret, v.passphrase), v.expected['KC-API-PASSPHRASE'], `${label}: v2 passphrase`)
    t.equal(expectedPassphrase(3, v.apiSecret, v.passphrase), v.expected['KC-API-PASSPHRASE'], `${label}: v3 passphrase`)
    t.notOk(signatureValid({ ...request(v), timestamp: String(Number(v.timestamp) + 1) }, v.apiSecret, true), `${label}: other timestamp`)
    t.notOk(signatureValid({ ...request(v), body: v.body + ' ' }, v.apiSecret, true), `${label}: other body`)
    t.notOk(signatureValid(request(v), v.apiSecret + 'x', true), `${label}: other secret`)
    t.notOk(signatureValid({ ...request(v), method: v.method === 'GET' ? 'POST' : 'GET' }, v.apiSecret, true), `${label}: other method`)
  }
  t.equal(expectedPassphrase(1, 'secret', 'plain'), 'plain', 'v1 sends the passphrase itself')
})

t.test('PROTOCOL §1.2–1.3 worked examples: the query is signed un-encoded; encoded only when allowed', async t => {
  const secret = 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3'
  const base = { timestamp: '1547015186532', body: '' }
  t.ok(signatureValid({ ...base, method: 'POST', path: '/api/v1/deposit-addresses', rawQuery: '', body: '{"currency":"BTC"}', sign: '7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4=' }, secret, false))
  const decodedSign = 'RMoBF85lze/0dyGhQjT5Kp78nDkghD0TaybcOLPrBm8='
  const encodedSign = 'P863JRC25GD0SQPkj1hN6aIsArYLEacxAEwuske1n3U='
  const encoded = { ...base, method: 'GET', path: '/api/v1/trade-fees', rawQuery: 'symbols=BTC-USDT%2CETH-USDT' }
  t.ok(signatureValid({ ...encoded, sign: decodedSign }, secret, false), 'sent encoded, signed decoded')
  t.notOk(signatureValid({ ...encoded, sign: encodedSign }, secret, false), 'signed encoded: refused in decoded mode')
  t.ok(signatureValid({ ...encoded, sign: encodedSign }, secret, true), 'signed encoded: accepted in decoded-or-raw mode')
  t.ok(signatureValid({ ...base, method: 'GET', path: '/api/v1/accounts', rawQuery: '', sign: 'LzU6+3FbWQMNM8RFHTcMr6MopjKAd/KBTPL3dipxL6o=' }, secret, false))
  t.ok(signatureValid({ ...base, method: 'POST', path: '/api/v1/bullet-private', rawQuery: '', sign: 'WNGQD2tKTq8y5eouFZ2ak/x4dJHTdH0SnSmHSZT4hnE=' }, secret, false))
  t.equal(expectedPassphrase(3, secret, 'Ab12345678)(*&^%$#@'), 'F2p2bNS1bBehHvC/Z4YkB7l1Wd0Pq2iV/oLHM/DyE+I=')
})

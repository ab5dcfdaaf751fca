import t from 'tap'
import { readFileSync } from 'node:fs'
import { decodeQuery, passphraseHeader, prehash, signRequest, signedPath, type Credentials } from '../../src/kucoin/signer.js'

interface Vector {
  apiKey: string
  apiSecret: string
  passphrase: string
  timestamp: string
  method: string
  requestPath: string
  body: string
  prehash: string
  expected: { 'KC-API-SIGN': string, 'KC-API-PASSPHRASE': string }
}

// Vectors the official kucoin-universal-sdk signer and ccxt agree on (../shared/kucoin).
const vectors = JSON.parse(readFileSync(new URL('../fixtures/signing-vectors.json', import.meta.url), 'utf8')) as Vector[]

t.test('every shared vector, for key versions 2 and 3', async t => {
  t.ok(vectors.length >= 28, 'all vectors loaded')
  for (const version of [2, 3] as const) {
    for (const v of vectors) {
      const credentials: Credentials = { key: v.apiKey, secret: v.apiSecret, passphrase: v.passphrase, version }
      t.equal(prehash(v.timestamp, v.method, v.requestPath, v.body), v.prehash, `prehash ${v.method} ${v.requestPath}`)
      const headers = signRequest(credentials, v.timestamp, v.method, v.requestPath, v.body)
      t.same(headers, {
        'KC-API-KEY': v.apiKey,
        'KC-API-SIGN': v.expected['KC-API-SIGN'],
        'KC-API-TIMESTAMP': v.timestamp,
        'KC-API-PASSPHRASE': v.expected['KC-API-PASSPHRASE'],
        'KC-API-KEY-VERSION': String(version)
      }, `v${version} ${v.method} ${v.requestPath} at ${v.timestamp}`)
    }
  }
})

t.test('key version 1 sends the passphrase in plain text', async t => {
  const v = vectors[0]!
  const credentials: Credentials = { key: v.apiKey, secret: v.apiSecret, passphrase: v.passphrase, version: 1 }
  t.equal(passphraseHeader(credentials), v.passphrase)
  const headers = signRequest(credentials, v.timestamp, v.method, v.requestPath, v.body)
  t.equal(headers['KC-API-SIGN'], v.expected['KC-API-SIGN'], 'the signature itself does not depend on the version')
  t.equal(headers['KC-API-KEY-VERSION'], '1')
})

t.test('documented KuCoin example (PROTOCOL §1.2)', async t => {
  const credentials: Credentials = { key: 'k', secret: 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3', passphrase: 'Ab12345678)(*&^%$#@', version: 2 }
  const headers = signRequest(credentials, '1547015186532', 'POST', '/api/v1/deposit-addresses', '{"currency":"BTC"}')
  t.equal(headers['KC-API-SIGN'], '7QP/oM0ykidMdrfNEUmng8eZjg/ZvPafjIqmxiVfYu4=')
  t.equal(headers['KC-API-PASSPHRASE'], 'F2p2bNS1bBehHvC/Z4YkB7l1Wd0Pq2iV/oLHM/DyE+I=')
})

t.test('query strings enter the prehash decoded by default (PROTOCOL §1.3)', async t => {
  t.equal(signedPath('/api/v1/trade-fees', 'symbols=BTC-USDT%2CETH-USDT'), '/api/v1/trade-fees?symbols=BTC-USDT,ETH-USDT')
  t.equal(signedPath('/api/v1/trade-fees', 'symbols=BTC-USDT%2CETH-USDT', 'raw'), '/api/v1/trade-fees?symbols=BTC-USDT%2CETH-USDT')
  t.equal(signedPath('/api/v1/accounts', ''), '/api/v1/accounts', 'no ? without a query')
  t.equal(decodeQuery('passphrase=abc%21%40%2311'), 'passphrase=abc!@#11', 'the docs-new example')
  t.equal(decodeQuery('a=%E0%A4%A'), 'a=%E0%A4%A', 'a malformed escape leaves the query as sent')
  const credentials: Credentials = { key: 'k', secret: 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3', passphrase: 'p', version: 3 }
  const decoded = signRequest(credentials, '1547015186532', 'GET', signedPath('/api/v1/trade-fees', 'symbols=BTC-USDT%2CETH-USDT'), '')
  t.equal(decoded['KC-API-SIGN'], 'RMoBF85lze/0dyGhQjT5Kp78nDkghD0TaybcOLPrBm8=', 'PROTOCOL vector, decoded form')
  const raw = signRequest(credentials, '1547015186532', 'GET', signedPath('/api/v1/trade-fees', 'symbols=BTC-USDT%2CETH-USDT', 'raw'), '')
  t.equal(raw['KC-API-SIGN'], 'P863JRC25GD0SQPkj1hN6aIsArYLEacxAEwuske1n3U=', 'PROTOCOL vector, encoded form')
})

t.test('the body bytes are signed as given', async t => {
  const credentials: Credentials = { key: 'k', secret: 's', passphrase: 'p', version: 3 }
  const asString = signRequest(credentials, '1', 'POST', '/api/v1/hf/orders', '{"a":"é"}')
  const asBuffer = signRequest(credentials, '1', 'POST', '/api/v1/hf/orders', Buffer.from('{"a":"é"}'))
  t.equal(asString['KC-API-SIGN'], asBuffer['KC-API-SIGN'])
  const spaced = signRequest(credentials, '1', 'POST', '/api/v1/hf/orders', '{"a": "é"}')
  t.not(spaced['KC-API-SIGN'], asString['KC-API-SIGN'], 'a re-serialized body would sign differently')
})

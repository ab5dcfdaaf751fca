// The pure core of safe placement: the failure table (which answers make a
// retry safe), the derived clientOid, the body preparation, the store's
// atomic begin and its journal across a "restart" (a new store on the same file).
import t from 'tap'
import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GatewayError } from '../../src/errors.js'
import { envelopeError, pageError, transportError } from '../../src/kucoin/errors.js'
import { CLIENT_OID, deriveClientOid } from '../../src/orders/derived-client-oid.js'
import { MemoryStore, type PlacementRecord } from '../../src/orders/idempotency-store.js'
import { classifyFailure, isNotFound } from '../../src/orders/outcome.js'
import { preparePlacement } from '../../src/orders/placement-body.js'
import { placementTarget } from '../../src/orders/placement-targets.js'

const socketError = (code: string): Error => Object.assign(new Error(code), { code })

t.test('classifyFailure: not-placed, rejected, duplicate, unknown', async t => {
  const rows: Array<[string, GatewayError, string]> = [
    ['429000 pool exhausted', envelopeError('spot', 429, '429000', 'Too Many Requests', {}), 'not-placed'],
    ['400005 bad signature', envelopeError('spot', 401, '400005', 'Signature verification failed', {}), 'not-placed'],
    ['400002 timestamp', envelopeError('spot', 400, '400002', 'KC-API-TIMESTAMP Invalid', {}), 'not-placed'],
    ['415000 media type', envelopeError('futures', 415, '415000', 'Unsupported Media Type', {}), 'not-placed'],
    ['connection refused', transportError('spot', socketError('ECONNREFUSED')), 'not-placed'],
    ['connect timeout', transportError('spot', socketError('UND_ERR_CONNECT_TIMEOUT')), 'not-placed'],
    ['Cloudflare 521 (origin down)', pageError('spot', 521, 'text/html', {}, '<html>521</html>'), 'not-placed'],
    ['gateway refusal', new GatewayError('endpoint-denied'), 'not-placed'],
    ['200004 balance', envelopeError('spot', 200, '200004', 'Balance insufficient!', {}), 'rejected'],
    ['400100 parameter', envelopeError('spot', 200, '400100', 'Order size below the minimum requirement.', {}), 'rejected'],
    ['300003 futures balance', envelopeError('futures', 200, '300003', 'Balance not enough', {}), 'rejected'],
    ['unmapped business code', envelopeError('spot', 200, '777777', 'something', {}), 'rejected'],
    ['102426 HF duplicate', envelopeError('spot', 200, '102426', 'The clientOid is duplicated', {}), 'duplicate'],
    ['126044 margin duplicate', envelopeError('spot', 200, '126044', 'clientOid duplicate', {}), 'duplicate'],
    ['126033 margin duplicate order', envelopeError('spot', 200, '126033', 'duplicate order', {}), 'duplicate'],
    ['300018 futures duplicate', envelopeError('futures', 200, '300018', 'clientOid parameter repeated', {}), 'duplicate'],
    ['classic clientOidDuplicated', envelopeError('spot', 200, '400100', 'validation.createOrder.clientOidDuplicated', {}), 'duplicate'],
    ['HF late arrival (past allowMaxTimeWindow)', envelopeError('spot', 200, '400100', 'The order arrived later than clientTimestamp + allowMaxTimeWindow and was not placed.', {}), 'not-placed'],
    ['a bad window parameter is a rejection', envelopeError('spot', 200, '400100', 'allowMaxTimeWindow is invalid', {}), 'rejected'],
    ['reset after sending', transportError('spot', socketError('ECONNRESET')), 'unknown'],
    ['headers timeout', transportError('spot', socketError('UND_ERR_HEADERS_TIMEOUT')), 'unknown'],
    ['500000', envelopeError('spot', 500, '500000', 'Internal Server Error', {}), 'unknown'],
    ['503000', envelopeError('spot', 503, '503000', 'Service Unavailable', {}), 'unknown'],
    ['Cloudflare 524 (timeout)', pageError('spot', 524, 'text/html', {}, '<html>524</html>'), 'unknown'],
    ['HTML 502 page', pageError('spot', 502, 'text/html', {}, '<html>Bad gateway</html>'), 'unknown'],
    ['truncated body', new GatewayError('upstream-bad-response'), 'unknown']
  ]
  for (const [name, error, expected] of rows) t.equal(classifyFailure(error), expected, name)
  t.ok(isNotFound(envelopeError('spot', 200, '102436', 'The order does not exist.', {})), 'HF 102436')
  t.ok(isNotFound(envelopeError('spot', 200, '126043', 'order does not exist', {})), 'margin 126043')
  t.ok(isNotFound(envelopeError('futures', 200, '100001', 'The order does not exist.', {})), 'futures 100001 with that text')
  t.notOk(isNotFound(envelopeError('spot', 500, '500000', 'Internal Server Error', {})))
})

t.test('deriveClientOid: deterministic, scoped per caller, within KuCoin\'s 40 characters', async t => {
  const a = deriveClientOid('anonymous', 'order-1')
  t.equal(a, deriveClientOid('anonymous', 'order-1'))
  t.not(a, deriveClientOid('bot', 'order-1'))
  t.not(a, deriveClientOid('anonymous', 'order-2'))
  t.equal(a.length, 40)
  t.match(a, CLIENT_OID)
  t.match(a, /^k/)
  t.equal(deriveClientOid('x'.repeat(500), 'k'.repeat(64)).length, 40, 'any caller and key fit')
})

t.test('preparePlacement: key rules, the body sent, the window', async t => {
  const hf = placementTarget('spot', 'POST', '/api/v1/hf/orders')!
  const futures = placementTarget('futures', 'POST', '/api/v1/orders')!
  const base = { caller: 'c', timeWindowMs: 5000, graceMs: 1000, kucoinNow: () => 1_000_000 }
  const body = (value: object): Buffer => Buffer.from(JSON.stringify(value))
  const kindOf = (fn: () => unknown): string | undefined => {
    try { fn() } catch (error) { return (error as GatewayError).kind }
    return undefined
  }
  t.equal(kindOf(() => preparePlacement({ ...base, header: undefined, target: hf, body: body({ symbol: 'X' }) })), 'idempotency-key-required')
  t.equal(kindOf(() => preparePlacement({ ...base, header: 'a b', target: hf, body: body({}) })), 'bad-request')
  t.equal(kindOf(() => preparePlacement({ ...base, header: 'k', target: hf, body: Buffer.from('[1]') })), 'bad-request')
  t.equal(kindOf(() => preparePlacement({ ...base, header: 'k', target: hf, body: body({ clientOid: 'has space' }) })), 'bad-request')

  const derived = preparePlacement({ ...base, header: 'key-1', target: hf, body: body({ symbol: 'BTC-USDT' }) })
  t.same(JSON.parse(derived.body.toString()), { symbol: 'BTC-USDT', clientOid: deriveClientOid('c', 'key-1'), clientTimestamp: 1_000_000, allowMaxTimeWindow: 5000 })
  t.equal(derived.notPlacedAfter, 1_006_000)

  const raw = body({ clientOid: 'mine', symbol: 'BTC-USDT', clientTimestamp: 5, allowMaxTimeWindow: 10 })
  const own = preparePlacement({ ...base, header: undefined, target: hf, body: raw })
  t.equal(own.body, raw, 'nothing added: the caller\'s bytes go as sent')
  t.equal(own.key, 'mine')
  t.equal(own.notPlacedAfter, 1015, 'the caller\'s own window counts')

  const fut = preparePlacement({ ...base, header: 'f', target: futures, body: body({ symbol: 'XBTUSDTM' }) })
  t.equal(fut.notPlacedAfter, undefined, 'no window on futures: a lookup that finds nothing proves nothing')
  t.notOk('allowMaxTimeWindow' in JSON.parse(fut.body.toString()))

  const a = preparePlacement({ ...base, header: 'k', target: hf, body: Buffer.from('{"a":1,"b":2}') })
  const b = preparePlacement({ ...base, header: 'k', target: hf, body: Buffer.from('{ "b": 2, "a": 1 }') })
  t.equal(a.fingerprint, b.fingerprint, 'the fingerprint is of the canonical JSON')
  t.not(a.fingerprint, preparePlacement({ ...base, header: 'k', target: hf, body: Buffer.from('{"a":1,"b":3}') }).fingerprint)
})

const record = (key: string, outcome: PlacementRecord['outcome'] = 'pending'): PlacementRecord =>
  ({ caller: 'c', key, clientOid: deriveClientOid('c', key), market: 'spot', target: 'spot-hf', symbol: 'BTC-USDT', fingerprint: 'f', outcome, createdAt: Date.now(), updatedAt: Date.now() })

t.test('MemoryStore: begin is atomic; the journal survives a restart; pending becomes unknown', async t => {
  const path = join(mkdtempSync(join(tmpdir(), 'kgw-store-')), 'sub', 'j.jsonl')
  const store = new MemoryStore({ maxRecords: 100, ttlMs: 60_000, journalPath: path })
  const begins = await Promise.all(Array.from({ length: 20 }, async () => await store.begin(record('same'))))
  t.equal(begins.filter(b => b === undefined).length, 1, 'one creator')
  await store.update({ ...record('done', 'placed'), orderId: 'o1' })
  await store.update({ ...record('old', 'placed'), updatedAt: Date.now() - 10_000 })
  await store.begin(record('gone'))
  await store.drop('c', 'gone')
  await store.close()
  appendFileSync(path, '{"put":{"torn')

  const again = new MemoryStore({ maxRecords: 100, ttlMs: 60_000, journalPath: path })
  t.equal((await again.get('c', 'same'))?.outcome, 'unknown', 'sent but never answered: to be settled')
  t.equal((await again.get('c', 'done'))?.orderId, 'o1')
  t.equal(await again.get('c', 'gone'), undefined)
  t.equal(readFileSync(path, 'utf8').trim().split('\n').length, 3, 'compacted to the live records, the torn line gone')
  await again.close()

  const expired = new MemoryStore({ maxRecords: 100, ttlMs: 5000, journalPath: path })
  t.equal(await expired.get('c', 'old'), undefined, 'nothing older than the TTL comes back')
  t.equal(expired.size, 2)
  await expired.close()
})

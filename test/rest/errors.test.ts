import t, { type Test } from 'tap'
import { request } from 'undici'
import { DEMO_KEY } from '../../src/simulator/index.js'
import { seen, startGateway, type Reply } from '../helper.js'

function isProblem (t: Test, res: Reply, status: number, kind: string, extra: Record<string, unknown> = {}): void {
  t.equal(res.status, status, `HTTP ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.match(body, { type: `urn:kgw:${kind}`, title: String, status, detail: String, code: String, msg: String, requestId: String, ...extra })
  t.equal(body.requestId, res.headers['x-request-id'], 'requestId matches the header')
}

const LEVEL1 = '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT'

t.test('a business error that KuCoin sends with HTTP 200', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ path: '/api/v1/accounts', action: { kind: 'code', code: '200004', msg: 'Balance insufficient!' } })
  isProblem(t, await gw.get('/spot/api/v1/accounts'), 422, 'insufficient-funds', { code: '200004', msg: 'Balance insufficient!', market: 'spot' })
})

t.test('the same code is read per market', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ path: '/api/v1/ticker', action: { kind: 'code', code: '200002', msg: 'Too many requests' } })
  isProblem(t, await gw.get('/futures/api/v1/ticker?symbol=XBTUSDTM'), 429, 'rate-limited', { code: '200002', market: 'futures' })
})

t.test('authentication errors from KuCoin', async t => {
  const wrongSecret = await startGateway(t, { key: { ...DEMO_KEY, secret: 'not-the-secret' } })
  // With a wrong secret the v3 passphrase HMAC is wrong first, as KuCoin checks it before the signature.
  isProblem(t, await wrongSecret.get('/spot/api/v1/accounts'), 401, 'passphrase-invalid', { code: '400004' })

  const unknownKey = await startGateway(t, { key: { ...DEMO_KEY, key: 'nobody' } })
  isProblem(t, await unknownKey.get('/spot/api/v1/accounts'), 401, 'api-key-invalid', { code: '400003' })

  const gw = await startGateway(t)
  gw.sim.addFault({ path: '/api/v1/accounts', action: { kind: 'code', code: '400005', msg: 'Invalid KC-API-SIGN' } })
  isProblem(t, await gw.get('/spot/api/v1/accounts'), 401, 'signature-invalid', { code: '400005', msg: 'Invalid KC-API-SIGN' })

  const spotOnly = { ...DEMO_KEY, permissions: ['General', 'Spot'] }
  const noFutures = await startGateway(t, { key: spotOnly, simulator: { keys: [spotOnly] } })
  isProblem(t, await noFutures.get('/futures/api/v1/positions'), 403, 'permission-denied', { code: '400007' })
})

t.test('429000 with Retry-After and the pool headers', async t => {
  const gw = await startGateway(t, { simulator: { rateLimits: { Public: 30 } } })
  t.equal((await gw.get(LEVEL1)).status, 200, 'the gateway learns the pool from KuCoin\'s headers')
  // Someone else using the same key (IP) spends the pool behind the gateway's back; its next call meets KuCoin's 429.
  for (let i = 0; i < 15; i++) await (await request(gw.sim.spotUrl + LEVEL1.slice('/spot'.length))).body.text()
  const res = await gw.get(LEVEL1)
  isProblem(t, res, 429, 'rate-limited', { code: '429000', retryAfterMs: Number })
  t.match(res.headers['retry-after'], /^\d+$/)
  t.ok(Number(res.headers['gw-ratelimit-remaining']) < 2, 'less left than level1\'s weight')
  t.ok(res.headers['gw-ratelimit-limit'], 'KuCoin\'s pool headers pass on the error too')
})

t.test('KuCoin 5xx: envelope, HTML page, unknown code', async t => {
  const gw = await startGateway(t)
  const remove = gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', action: { kind: 'code', code: '500000', msg: 'Internal Server Error', status: 500 } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-error', { code: '500000' })
  remove()
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'html', status: 502 } })
  isProblem(t, await gw.get(LEVEL1), 503, 'upstream-unavailable', { code: 'KGW_UPSTREAM_UNAVAILABLE' })
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'code', code: '503000', msg: 'Service Unavailable', status: 503 } })
  isProblem(t, await gw.get(LEVEL1), 503, 'upstream-unavailable', { code: '503000' })
  t.equal((await gw.get(LEVEL1)).status, 200, 'recovers when the fault is gone')
})

t.test('non-JSON and truncated bodies', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'raw', status: 200, contentType: 'text/plain', body: 'hello' } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-bad-response')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'raw', status: 200, body: '{"data":{"price":' } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-bad-response')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'html', status: 403 } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-bad-response')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'truncate' } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-reset')
})

t.test('connection reset and refused', async t => {
  const gw = await startGateway(t)
  // A read lost to a closed socket goes again once (a write never does: test/upstream/keep-alive.test.ts).
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'reset' } })
  t.equal((await gw.get(LEVEL1)).status, 200, 'one reset of a read is retried')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 2, action: { kind: 'reset' } })
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-reset', { code: 'KGW_UPSTREAM_RESET' })
  await gw.sim.close()
  isProblem(t, await gw.get(LEVEL1), 502, 'upstream-unreachable')
})

t.test('timeouts', async t => {
  const gw = await startGateway(t, { env: { KGW_UPSTREAM_HEADERS_TIMEOUT_MS: '300' } })
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'stall' } })
  isProblem(t, await gw.get(LEVEL1), 504, 'upstream-timeout')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'delay', ms: 50 } })
  t.equal((await gw.get(LEVEL1)).status, 200, 'a short delay is fine')
})

t.test('gateway-made errors use the same shape', async t => {
  const gw = await startGateway(t)
  isProblem(t, await gw.get('/nowhere'), 404, 'route-not-found', { code: 'KGW_ROUTE_NOT_FOUND' })
  isProblem(t, await gw.get('/spot/not-api'), 404, 'route-not-found')
  const big = await gw.call('POST', '/spot/api/v1/bullet-private', { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) })
  isProblem(t, big, 413, 'payload-too-large')
  t.equal(seen(gw.sim, '/api/v1/bullet-private').length, 0, 'nothing sent upstream')
})

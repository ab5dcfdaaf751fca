import t from 'tap'
import { seen, startGateway } from './helper.js'

const READ = 'r'.repeat(20)
const TRADE = 't'.repeat(20)
const STREAM = 's'.repeat(20)
const env = {
  KGW_TRADING_ENABLED: 'true',
  KGW_TOKENS: `viewer:${READ}:read,trader:${TRADE}:read+trade,streamer:${STREAM}:read+private-stream`
}
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
const ORDER = JSON.stringify({ clientOid: 'access-1', side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '1000', size: '0.001' })

t.test('REST: no token 401, wrong token 401, missing scope 403; nothing reaches KuCoin', async t => {
  const gw = await startGateway(t, { env })
  const none = await gw.get('/spot/api/v1/accounts')
  t.equal(none.status, 401)
  t.match(none.json(), { type: 'urn:kgw:unauthenticated', market: 'spot' })
  t.match(none.headers['www-authenticate'], /^Bearer/)
  t.equal((await gw.get('/spot/api/v1/accounts', bearer('x'.repeat(20)))).status, 401)
  t.equal((await gw.get('/spot/api/v1/accounts', { authorization: `Basic ${READ}` })).status, 401, 'only Bearer')
  const denied = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { ...bearer(READ), 'content-type': 'application/json' }, body: ORDER })
  t.equal(denied.status, 403)
  t.match(denied.json(), { type: 'urn:kgw:scope-missing', detail: /"viewer" lacks the trade scope/ })
  t.same(gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')), [])
})

t.test('REST: the right scope passes, and the gateway token never goes upstream', async t => {
  const gw = await startGateway(t, { env })
  t.equal((await gw.get('/spot/api/v1/accounts', bearer(READ))).status, 200)
  const placed = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { ...bearer(TRADE), 'content-type': 'application/json' }, body: ORDER })
  t.equal(placed.status, 200, placed.text)
  t.equal((await gw.get('/spot/api/v1/accounts', { 'kc-api-key': READ })).status, 200, 'an SDK can carry the token as its API key')
  for (const r of seen(gw.sim, '/api/v1/')) {
    t.equal(r.headers.authorization, undefined)
    t.not(r.headers['kc-api-key'], READ)
  }
  t.equal((await gw.get('/healthz')).status, 200, 'probes need no token')
})

t.test('WebSocket: the bullet call is checked, public with read, private with private-stream', async t => {
  const gw = await startGateway(t, { env })
  t.equal((await gw.call('POST', '/spot/api/v1/bullet-public')).status, 401)
  t.equal((await gw.call('POST', '/spot/api/v1/bullet-public', { headers: bearer(READ) })).status, 200)
  const privateRead = await gw.call('POST', '/futures/api/v1/bullet-private', { headers: bearer(READ) })
  t.equal(privateRead.status, 403)
  t.match(privateRead.json(), { type: 'urn:kgw:scope-missing', market: 'futures' })
  const privateOk = await gw.call('POST', '/futures/api/v1/bullet-private', { headers: bearer(STREAM) })
  t.equal(privateOk.status, 200)
  t.type(privateOk.json().data.token, 'string')
})

import t from 'tap'
import { seen, startGateway } from '../helper.js'

const ORDER = JSON.stringify({ clientOid: 'policy-1', side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '1000', size: '0.001' })
const JSON_HEADERS = { 'content-type': 'application/json' }

t.test('a private endpoint without configured credentials: 401, nothing sent', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const res = await gw.get('/spot/api/v1/accounts')
  t.equal(res.status, 401)
  t.match(res.json(), { type: 'urn:kgw:credentials-missing', market: 'spot' })
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 0)
  t.equal((await gw.get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')).status, 200, 'public data needs no keys')
})

t.test('withdrawals, transfers and sub-account management are never proxied', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const denied = [
    ['POST', '/spot/api/v1/withdrawals'],
    ['POST', '/spot/api/v3/withdrawals'],
    ['DELETE', '/spot/api/v1/withdrawals/abc'],
    ['POST', '/spot/api/v2/accounts/inner-transfer'],
    ['POST', '/spot/api/v3/accounts/universal-transfer'],
    ['POST', '/futures/api/v3/transfer-out'],
    ['POST', '/spot/api/v1/sub/api-key'],
    ['POST', '/spot/api/v2/sub/user/created']
  ] as const
  for (const [method, path] of denied) {
    const res = await gw.call(method, path, { headers: JSON_HEADERS, body: '{}' })
    t.equal(res.status, 403, `${method} ${path}`)
    t.equal(res.json().type, 'urn:kgw:endpoint-denied')
  }
  t.same(gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')), [], 'KuCoin saw none of them')
  t.equal((await gw.get('/spot/api/v1/withdrawals')).status, 200, 'reading the withdrawal history is fine')
})

t.test('trading is off until KGW_TRADING_ENABLED=true', async t => {
  const off = await startGateway(t)
  const res = await off.call('POST', '/spot/api/v1/hf/orders', { headers: JSON_HEADERS, body: ORDER })
  t.equal(res.status, 403)
  t.match(res.json().detail, /KGW_TRADING_ENABLED/)
  t.equal((await off.call('DELETE', '/spot/api/v1/hf/orders/123?symbol=BTC-USDT')).status, 403, 'cancel too')
  t.equal((await off.call('POST', '/futures/api/v1/orders', { headers: JSON_HEADERS, body: '{}' })).status, 403)
  t.equal(seen(off.sim, '/api/v1/hf/orders').length + seen(off.sim, '/api/v1/orders').length, 0)

  const on = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const placed = await on.call('POST', '/spot/api/v1/hf/orders', { headers: JSON_HEADERS, body: ORDER })
  t.equal(placed.status, 200, placed.text)
  const { orderId } = placed.json().data
  const active = await on.get('/spot/api/v1/hf/orders/active?symbol=BTC-USDT')
  t.ok(active.json().data.some((o: { id: string }) => o.id === orderId), 'the order is listed')
  const cancelled = await on.call('DELETE', `/spot/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`)
  t.equal(cancelled.status, 200, cancelled.text)
})

t.test('unknown endpoints: reads pass (signed), writes are refused', async t => {
  const gw = await startGateway(t)
  const read = await gw.get('/spot/api/v9/brand-new')
  t.equal(read.status, 404, 'KuCoin\'s own 404 comes back typed')
  t.equal(read.json().type, 'urn:kgw:endpoint-not-found')
  t.ok(seen(gw.sim, '/api/v9/brand-new')[0]?.headers['kc-api-sign'], 'signed, since it may be private')
  const write = await gw.call('POST', '/spot/api/v9/brand-new', { headers: JSON_HEADERS, body: '{}' })
  t.equal(write.status, 403)
  t.equal(seen(gw.sim, '/api/v9/brand-new').length, 1, 'the write never left')
})

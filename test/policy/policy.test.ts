import t from 'tap'
import { request as httpRequest } from 'node:http'
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

/** node:http sends the path byte for byte (undici's URL parsing would resolve dot segments first). */
async function raw (url: string, method: string, path: string, body = '{}'): Promise<{ status: number, json: any }> {
  const { port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const headers = { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)) }
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, res => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test('path tricks cannot reach a denied endpoint: 403, and KuCoin sees nothing', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const tricks = [
    ['POST', '/spot/api/v1/hf/orders/../../withdrawals'],
    ['POST', '/spot/api/v1/hf/orders/..%2F..%2Fwithdrawals'],
    ['POST', '/spot/api/v1/hf/orders/..%252F..%252Fwithdrawals'],
    ['DELETE', '/spot/api/v1/hf/orders/..%2F..%2Fwithdrawals%2Fabc?symbol=BTC-USDT'],
    ['POST', '/spot/api/v1/./withdrawals'],
    ['POST', '/spot/api//v1//withdrawals'],
    ['POST', '/spot/api/v1/withdrawals/'],
    ['POST', '/spot/API/V1/WITHDRAWALS'],
    ['POST', '/spot/api/v1/withdrawals;x=1'],
    ['POST', '/spot/api/v1/withdrawals%20'],
    ['POST', '/spot/api/v1/withdrawals%00'],
    ['POST', '/spot/api/v1/withdrawals.'],
    ['POST', '/spot/api/v1/%77ithdrawals'],
    ['POST', '/spot/api%5Cv1%5Cwithdrawals'],
    ['POST', '/spot/api/v1/sub/api-key/'],
    ['POST', '/spot/api/v2/Accounts/Inner-Transfer'],
    ['POST', '/spot/../spot/api/v1/withdrawals'],
    ['POST', '/spot/api/v1/' + 'a/'.repeat(600) + '../'.repeat(600) + 'withdrawals'],
    ['POST', '/spot/api/v1/broker/nd/transfer']
  ] as const
  for (const [method, path] of tricks) {
    const res = await raw(gw.url, method, path)
    t.equal(res.status, 403, `${method} ${path.slice(0, 80)}` + JSON.stringify(res.json))
    t.equal(res.json.type, 'urn:kgw:endpoint-denied')
  }
  t.same(gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')), [], 'KuCoin saw none of them')
})

t.test('trading tricks with trading off: 403', async t => {
  const gw = await startGateway(t)
  for (const path of ['/spot/api/v1/hf/orders/', '/spot/api/v1//hf/orders', '/spot/API/v1/HF/orders', '/futures/api/v1/orders;a']) {
    const r = await raw(gw.url, 'POST', path, ORDER); t.equal(r.status, 403, path + JSON.stringify(r.json))
  }
  t.same(gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')), [])
})

t.test('KGW_ALLOW_ENDPOINTS lifts one denied endpoint by name, and only that one', async t => {
  const gw = await startGateway(t, { env: { KGW_ALLOW_ENDPOINTS: 'POST /api/v3/withdrawals' } })
  const body = JSON.stringify({ currency: 'USDT', toAddress: 'x', amount: '1', withdrawType: 'ADDRESS' })
  await gw.call('POST', '/spot/api/v3/withdrawals', { headers: JSON_HEADERS, body })
  t.equal(seen(gw.sim, '/api/v3/withdrawals').length, 1, 'the named endpoint reached KuCoin')
  t.equal((await gw.call('POST', '/spot/api/v1/withdrawals', { headers: JSON_HEADERS, body })).status, 403, 'v1 still denied')
  t.equal(seen(gw.sim, '/api/v1/withdrawals').length, 0)
})

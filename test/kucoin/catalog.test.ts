import t from 'tap'
import { Catalog } from '../../src/kucoin/catalog.js'

const catalog = new Catalog()

t.test('all 250 spec operations are catalogued', async t => {
  t.equal(catalog.endpoints.length, 250)
  t.equal(catalog.endpoints.filter(e => e.channel === 'public').length, 44)
})

t.test('exact and templated paths, with pool, weight and permission', async t => {
  const level1 = catalog.find('spot', 'GET', '/api/v1/market/orderbook/level1')
  t.match(level1, { channel: 'public', pool: 'Public', weight: 2, permission: null })
  const accounts = catalog.find('spot', 'GET', '/api/v1/accounts')
  t.match(accounts, { channel: 'private', pool: 'Management', weight: 5, permission: 'General' })
  t.match(catalog.find('spot', 'GET', '/api/v1/market/orderbook/level2_20'), { path: '/api/v1/market/orderbook/level2_{size}', channel: 'public' })
  t.match(catalog.find('spot', 'DELETE', '/api/v1/hf/orders/671124f9365ccb00073debd4'), { path: '/api/v1/hf/orders/{orderId}', permission: 'Spot' })
  t.match(catalog.find('spot', 'DELETE', '/api/v1/hf/orders/cancelAll'), { path: '/api/v1/hf/orders/cancelAll', weight: 30 }, 'a literal beats a template')
  t.match(catalog.find('spot', 'POST', '/api/v1/withdrawals'), { permission: 'Withdrawal' })
  t.match(catalog.find('futures', 'DELETE', '/api/v1/orders/multi-cancel'), { jsonBody: true })
  t.match(catalog.find('futures', 'GET', '/api/v1/trade-fees'), { method: 'GET' }, 'the spec stores it as PATCH')
  t.match(catalog.find('spot', 'HEAD', '/api/v1/timestamp'), { method: 'GET' })
})

t.test('the same path means different things on each host', async t => {
  t.match(catalog.find('spot', 'GET', '/api/v1/orders'), { market: 'spot', pool: 'Spot' })
  t.match(catalog.find('futures', 'GET', '/api/v1/orders'), { market: 'futures', pool: 'Futures' })
  t.equal(catalog.find('futures', 'GET', '/api/v1/market/orderbook/level1'), undefined)
})

t.test('unknown paths and methods find nothing', async t => {
  t.equal(catalog.find('spot', 'GET', '/api/v9/nothing'), undefined)
  t.equal(catalog.find('spot', 'PUT', '/api/v1/accounts'), undefined)
  t.equal(catalog.find('spot', 'GET', '/api/v1/hf/orders/a/b/c'), undefined)
})

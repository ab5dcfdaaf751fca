// Classic spot orders (/api/v1/orders) share the HF order engine: each gets
// its own id, HF lookups see it, and it produces private WebSocket events.
// Also the UTA account-mode probe ccxt makes at start-up.
import t from 'tap'
import { signed, simulator } from './fixtures/sim-client.js'
import { open } from './fixtures/ws-client.js'

const order = (clientOid: string): Record<string, string> =>
  ({ clientOid, symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })

t.test('classic orders go through the order engine', async t => {
  const sim = await simulator(t)
  const ws = await open(t, sim, { private: true })
  t.equal((await ws.subscribe('/spotMarket/tradeOrdersV2', true)).type, 'ack')

  const a = await signed(sim.spotUrl, 'POST', '/api/v1/orders', order('classic-a'))
  const b = await signed(sim.spotUrl, 'POST', '/api/v1/orders', order('classic-b'))
  t.match(a.body, { code: '200000', data: { orderId: /^[0-9a-f]{24}$/ } })
  t.not(a.body.data.orderId, b.body.data.orderId, 'every order has its own id')
  const id = a.body.data.orderId as string
  const open1 = await ws.next(f => f.data?.orderId === id && f.data?.type === 'open')
  t.match(open1.data, { clientOid: 'classic-a', status: 'open' }, 'the private feed reports it')

  const hf = await signed(sim.spotUrl, 'GET', `/api/v1/hf/orders/${id}?symbol=BTC-USDT`)
  t.match(hf.body.data, { id, clientOid: 'classic-a', active: true }, 'the HF lookup sees the same order')
  const active = await signed(sim.spotUrl, 'GET', '/api/v1/orders?status=active&symbol=BTC-USDT')
  t.match(active.body.data, { currentPage: 1, totalNum: 2 })
  t.same(active.body.data.items.map((o: { id: string }) => o.id).sort(), [id, b.body.data.orderId].sort())
  t.match((await signed(sim.spotUrl, 'GET', `/api/v1/orders/${id}`)).body.data, { id, isActive: true })

  t.same((await signed(sim.spotUrl, 'DELETE', `/api/v1/orders/${id}`)).body, { code: '200000', data: { cancelledOrderIds: [id] } })
  await ws.next(f => f.data?.orderId === id && f.data?.type === 'canceled')
  t.match((await signed(sim.spotUrl, 'GET', `/api/v1/orders/${id}`)).body.data, { isActive: false, cancelExist: true })
  t.match((await signed(sim.spotUrl, 'DELETE', `/api/v1/orders/${id}`)).body, { code: '400100' }, 'not twice')
  t.match((await signed(sim.spotUrl, 'DELETE', '/api/v1/order/client-order/classic-b')).body.data, { cancelledOrderId: b.body.data.orderId, clientOid: 'classic-b' })
  t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/orders?status=active')).body.data.totalNum, 0)
  t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/orders?status=done')).body.data.totalNum, 2)
  t.match((await signed(sim.spotUrl, 'GET', '/api/v1/orders/ffffffffffffffffffffffff')).body, { code: '400100' })
  t.match((await signed(sim.spotUrl, 'POST', '/api/v1/orders', { ...order('bad'), symbol: 'NOPE-USDT' })).body.code, /^[1-9]\d{5}$/, 'an unknown symbol is refused')
})

t.test('the UTA account-mode probe answers Classic, signed only', async t => {
  const sim = await simulator(t)
  t.same((await signed(sim.spotUrl, 'GET', '/api/ua/v1/account/mode')).body, { code: '200000', data: { selfAccountMode: 'CLASSIC', unifiedSubAccount: [], classicSubAccount: [] } })
  const unsigned = await fetch(`${sim.spotUrl}/api/ua/v1/account/mode`)
  t.match(await unsigned.json(), { code: '400001' })
})

import t from 'tap'
import { call, signed, simulator } from './fixtures/sim-client.js'
import type { Reply } from './fixtures/sim-client.js'

t.test('spot demo account', async t => {
  const sim = await simulator(t)
  const get = async (path: string): Promise<Reply> => await signed(sim.spotUrl, 'GET', path)
  const order = async (body: Record<string, unknown>): Promise<Reply> => await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders', body)
  const usdt = async (): Promise<Record<string, string>> => (await get('/api/v1/accounts?currency=USDT&type=trade')).body.data[0]
  const bestAsk = async (): Promise<number> => Number((await call(`${sim.spotUrl}/api/v1/market/orderbook/level1?symbol=BTC-USDT`)).body.data.bestAsk)

  t.test('starting balances', async t => {
    const accounts = (await get('/api/v1/accounts')).body.data as any[]
    t.same(accounts.map(a => [a.currency, a.balance, a.type]), [['USDT', '10000', 'trade'], ['BTC', '1', 'trade'], ['ETH', '10', 'trade']])
    const detail = await get(`/api/v1/accounts/${accounts[1].id as string}`)
    t.same(detail.body.data, { currency: 'BTC', balance: '1', available: '1', holds: '0' })
    t.same((await get('/api/v1/accounts?type=main')).body.data, [])
  })

  t.test('a resting limit order holds funds until cancelled', async t => {
    const price = Math.floor((await bestAsk()) * 0.5)
    const placed = await order({ clientOid: 'rest-1', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: String(price), size: '0.1' })
    t.equal(placed.body.code, '200000')
    t.equal(placed.body.data.clientOid, 'rest-1')
    const held = await usdt()
    t.ok(Math.abs(Number(held.holds) - price * 0.1) < 1e-8, 'price × size on hold')
    t.equal(Number(held.available) + Number(held.holds), 10000)
    const active = (await get('/api/v1/hf/orders/active?symbol=BTC-USDT')).body.data as any[]
    t.same(active.map(o => o.id), [placed.body.data.orderId])
    t.equal(active[0].active, true)
    t.equal((await get('/api/v1/hf/orders/client-order/rest-1?symbol=BTC-USDT')).body.data.id, placed.body.data.orderId)

    const duplicate = await order({ clientOid: 'rest-1', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: String(price), size: '0.1' })
    t.equal(duplicate.status, 200)
    t.equal(duplicate.body.code, '102426', 'duplicate clientOid among active orders')

    const cancelled = await signed(sim.spotUrl, 'DELETE', `/api/v1/hf/orders/${placed.body.data.orderId as string}?symbol=BTC-USDT`)
    t.same(cancelled.body.data, { orderId: placed.body.data.orderId })
    t.same(await usdt(), { ...held, available: '10000', holds: '0' }, 'funds released')
    t.same((await get('/api/v1/hf/orders/active?symbol=BTC-USDT')).body.data, [])
    const done = (await get(`/api/v1/hf/orders/${placed.body.data.orderId as string}?symbol=BTC-USDT`)).body.data
    t.equal(done.active, false)
    t.equal(done.cancelExist, true)
    t.equal(done.cancelledSize, '0.1')
    const again = await signed(sim.spotUrl, 'DELETE', `/api/v1/hf/orders/${placed.body.data.orderId as string}?symbol=BTC-USDT`)
    t.same(again.body, { code: '400100', msg: 'order_not_exist_or_not_allow_to_cancel' })
    t.equal((await get('/api/v1/hf/orders/nope?symbol=BTC-USDT')).body.code, '102436')
  })

  t.test('cancel by clientOid and cancel all', async t => {
    for (const id of ['c-1', 'c-2']) await order({ clientOid: id, symbol: 'ETH-USDT', side: 'sell', type: 'limit', price: '999999', size: '1' })
    const eth = async (): Promise<any> => (await get('/api/v1/accounts?currency=ETH')).body.data[0]
    t.equal((await eth()).holds, '2')
    t.same((await signed(sim.spotUrl, 'DELETE', '/api/v1/hf/orders/client-order/c-1?symbol=ETH-USDT')).body.data, { clientOid: 'c-1' })
    t.equal((await eth()).holds, '1')
    t.equal((await signed(sim.spotUrl, 'DELETE', '/api/v1/hf/orders?symbol=ETH-USDT')).body.data, 'success')
    t.equal((await eth()).holds, '0')
    t.equal((await signed(sim.spotUrl, 'DELETE', '/api/v1/hf/orders/client-order/c-2?symbol=ETH-USDT')).body.code, '400100')
  })

  t.test('market orders fill at the book and move balances', async t => {
    const before = await usdt()
    const ask = await bestAsk()
    const placed = await order({ symbol: 'BTC-USDT', side: 'buy', type: 'market', funds: '1000' })
    t.equal(placed.body.code, '200000')
    t.equal(Number((await usdt()).balance), Number(before.balance) - 1000 - 1, 'funds plus 0.1 % fee')
    const btc = Number((await get('/api/v1/accounts?currency=BTC')).body.data[0].balance)
    t.ok(btc > 1 && btc < 1 + 1000 / ask * 1.01, 'received about 1000 USDT of BTC')
    const fills = (await get(`/api/v1/hf/fills?symbol=BTC-USDT&orderId=${placed.body.data.orderId as string}`)).body.data
    t.equal(fills.items.length, 1)
    t.equal(fills.items[0].funds, '1000')
    t.equal(fills.items[0].liquidity, 'taker')

    const sell = await order({ symbol: 'BTC-USDT', side: 'sell', type: 'market', size: '0.5' })
    t.equal(sell.body.code, '200000')
    t.ok(Number((await usdt()).balance) > Number(before.balance), 'selling 0.5 BTC raised USDT')
    const done = (await get('/api/v1/hf/orders/done?symbol=BTC-USDT&limit=2')).body.data
    t.equal(done.items.length, 2)
    t.equal(done.items[0].id, sell.body.data.orderId, 'newest first')
    const next = (await get(`/api/v1/hf/orders/done?symbol=BTC-USDT&limit=2&lastId=${done.lastId as number}`)).body.data
    t.ok(next.items.every((o: any) => !done.items.some((d: any) => d.id === o.id)), 'cursor pages do not overlap')
  })

  t.test('a crossing limit order fills at the book price', async t => {
    const ask = await bestAsk()
    const placed = await order({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: String(Math.ceil(ask * 1.05)), size: '0.001' })
    const detail = (await get(`/api/v1/hf/orders/${placed.body.data.orderId as string}?symbol=BTC-USDT`)).body.data
    t.equal(detail.dealSize, '0.001')
    t.equal(detail.active, false)
    t.ok(Number(detail.dealFunds) < Number(detail.funds), 'paid the book price, not the limit')
  })

  t.test('business errors', async t => {
    const broke = await order({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '60000', size: '5' })
    t.equal(broke.status, 200)
    t.same(broke.body, { code: '200004', msg: 'Balance insufficient!' })
    t.equal((await order({ symbol: 'ETH-USDT', side: 'sell', type: 'market', size: '1000' })).body.code, '200004')
    const bad = await order({ symbol: 'BTC-USDT', side: 'up', type: 'limit', price: '1', size: '1' })
    t.same(bad.body, { code: '400100', msg: 'side is invalid' })
    t.equal((await order({ symbol: 'BTC-USDT', side: 'buy', type: 'market', size: '1', funds: '1' })).body.code, '400100')
    t.equal((await order({ symbol: 'XYZ-USDT', side: 'buy', type: 'market', funds: '1' })).body.msg, 'Unsupported trading pair.')
    t.equal((await order({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1', size: '0.000001' })).body.msg, 'Order size below the minimum requirement.')
  })

  t.test('test orders validate but are never stored', async t => {
    const ok = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders/test', { clientOid: 'probe', symbol: 'ETH-USDT', side: 'buy', type: 'limit', price: '1', size: '1' })
    t.equal(ok.body.data.clientOid, 'probe')
    t.equal((await get('/api/v1/hf/orders/client-order/probe?symbol=ETH-USDT')).body.code, '102436')
    const bad = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders/test', { symbol: 'ETH-USDT', side: 'buy', type: 'limit', size: '1' })
    t.same(bad.body, { code: '400100', msg: 'price is invalid' })
  })

  t.test('bodies must be JSON', async t => {
    const form = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders', { symbol: 'BTC-USDT' }, { headers: { 'content-type': 'text/plain' } })
    t.equal(form.status, 415)
    t.equal(form.body.code, '415000')
    const text = 'not json'
    const res = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders', text)
    t.equal(res.body.code, '400100', 'a JSON string is not an order object')
  })
})

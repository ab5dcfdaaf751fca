import t from 'tap'
import { signed, simulator } from './fixtures/sim-client.js'
import type { Reply } from './fixtures/sim-client.js'

t.test('futures demo account', async t => {
  const sim = await simulator(t)
  const get = async (path: string): Promise<Reply> => await signed(sim.futuresUrl, 'GET', path)
  const order = async (body: Record<string, unknown>): Promise<Reply> => await signed(sim.futuresUrl, 'POST', '/api/v1/orders', body)
  const overview = async (): Promise<any> => (await get('/api/v1/account-overview?currency=USDT')).body.data

  const start = await overview()
  t.equal(start.availableBalance, 10000)
  t.equal(start.currency, 'USDT')
  t.same((await get('/api/v1/positions')).body.data, [])

  t.test('a resting order holds margin until cancelled', async t => {
    const placed = await order({ clientOid: 'f-rest', symbol: 'XBTUSDTM', side: 'buy', type: 'limit', price: '1000', size: 10, leverage: 5 })
    t.equal(placed.body.code, '200000')
    t.type(placed.body.data.orderId, 'string')
    t.equal((await overview()).orderMargin, 2, '10 lots × 0.001 × 1000 / 5')
    const active = (await get('/api/v1/orders?status=active')).body.data
    t.same([active.currentPage, active.pageSize, active.totalNum, active.totalPage], [1, 50, 1, 1])
    t.equal(active.items[0].status, 'open')
    t.equal((await order({ clientOid: 'f-rest', symbol: 'XBTUSDTM', side: 'buy', price: '1000', size: 1, leverage: 5 })).body.code, '300018')
    const cancelled = await signed(sim.futuresUrl, 'DELETE', `/api/v1/orders/${placed.body.data.orderId as string}`)
    t.same(cancelled.body.data, { cancelledOrderIds: [placed.body.data.orderId] })
    t.equal((await overview()).orderMargin, 0)
    t.equal((await signed(sim.futuresUrl, 'DELETE', `/api/v1/orders/${placed.body.data.orderId as string}`)).body.code, '100004')
    const detail = (await get(`/api/v1/orders/${placed.body.data.orderId as string}`)).body.data
    t.equal(detail.status, 'done')
    t.equal(detail.cancelExist, true)
  })

  t.test('market orders open and close a position', async t => {
    const opened = await order({ clientOid: 'f-open', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 20, leverage: 10 })
    t.equal(opened.body.code, '200000')
    const position = (await get('/api/v1/position?symbol=XBTUSDTM')).body.data
    t.equal(position.currentQty, 20)
    t.equal(position.isOpen, true)
    t.equal(position.leverage, 10)
    t.ok(position.avgEntryPrice > 0)
    t.ok(Math.abs(position.posMargin - 20 * 0.001 * position.avgEntryPrice / 10) < 1e-6)
    const mid = await overview()
    t.ok(mid.positionMargin > 0)
    t.ok(mid.availableBalance < 10000 - mid.positionMargin + 1e-9)
    t.equal((await get('/api/v1/positions')).body.data.length, 1)

    const closed = await order({ clientOid: 'f-close', symbol: 'XBTUSDTM', side: 'sell', type: 'market', size: 20, leverage: 10 })
    t.equal(closed.body.code, '200000')
    const flat = (await get('/api/v1/position?symbol=XBTUSDTM')).body.data
    t.equal(flat.currentQty, 0)
    t.equal(flat.isOpen, false)
    t.same((await get('/api/v1/positions')).body.data, [])
    const end = await overview()
    t.equal(end.positionMargin, 0)
    t.ok(Math.abs(end.availableBalance - 10000) < 10, 'only fees and the spread were lost')
    const done = (await get('/api/v1/orders?status=done&symbol=XBTUSDTM')).body.data
    t.equal(done.totalNum, 3)
    t.equal(done.items[0].clientOid, 'f-close', 'newest first')
  })

  t.test('cancel all for a symbol', async t => {
    for (const id of ['a', 'b']) await order({ clientOid: `all-${id}`, symbol: 'ETHUSDTM', side: 'sell', price: '999999', size: 1, leverage: 3 })
    const cancelled = await signed(sim.futuresUrl, 'DELETE', '/api/v3/orders?symbol=ETHUSDTM')
    t.equal(cancelled.body.data.cancelledOrderIds.length, 2)
    t.equal((await get('/api/v1/orders?status=active')).body.data.totalNum, 0)
  })

  t.test('business errors', async t => {
    const broke = await order({ clientOid: 'big', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 100000, leverage: 1 })
    t.equal(broke.status, 200)
    t.equal(broke.body.code, '300003')
    t.equal((await order({ symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 1 })).body.code, '100001', 'clientOid is required')
    t.equal((await order({ clientOid: 'x', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1.5, leverage: 1 })).body.code, '100001')
    t.equal((await order({ clientOid: 'x', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 500 })).body.code, '100001')
    t.equal((await order({ clientOid: 'x', symbol: 'NOPE', side: 'buy', type: 'market', size: 1, leverage: 1 })).body.code, '100003')
    t.equal((await get('/api/v1/orders/123')).body.code, '100001')
  })
})

import t from 'tap'
import { WS_EXAMPLES } from './fixtures/ws-examples.js'
import { signed, simulator } from './fixtures/sim-client.js'
import { bullet, connect, open, sameShape } from './fixtures/ws-client.js'
import type { Frame, WsClient } from './fixtures/ws-client.js'

const orderFrame = (c: WsClient, topic: string, orderId: string, type: string): Promise<Frame> =>
  c.next(f => f.topic === topic && f.data.orderId === orderId && f.data.type === type)

t.test('private topics need a private token and privateChannel: true', async t => {
  const sim = await simulator(t)
  const pub = await open(t, sim)
  t.same(await pub.request({ id: 1, type: 'subscribe', topic: '/account/balance', privateChannel: true, response: true }), { id: '1', type: 'error', code: 403, data: 'login is required' })
  const priv = await open(t, sim, { private: true })
  t.equal((await priv.request({ id: 2, type: 'subscribe', topic: '/account/balance', privateChannel: false, response: true })).code, 403)
  t.equal((await priv.request({ id: 3, type: 'subscribe', topic: '/account/balance', privateChannel: true, response: true })).type, 'ack')
  t.equal((await priv.subscribe('/market/ticker:BTC-USDT')).type, 'ack', 'a private connection may hold public topics too')
  t.same(sim.ws.subscriptions().map(s => s.private), [false, true])

  const futures = await bullet(sim, 'futures', true)
  const wrongHost = await connect(t, `${sim.spotUrl.replace('http', 'ws')}/?token=${futures.token}&connectId=w`)
  t.equal((await wrongHost.next()).code, 401, 'a futures private token is invalid on the spot host')
})

t.test('spot orders and balances', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim, { private: true })
  for (const topic of ['/spotMarket/tradeOrdersV2', '/spotMarket/tradeOrders', '/account/balance']) t.equal((await c.subscribe(topic, true)).type, 'ack')

  const placed = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders', { clientOid: 'ws-rest', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })
  const orderId = placed.body.data.orderId as string
  const received = await orderFrame(c, '/spotMarket/tradeOrdersV2', orderId, 'received')
  sameShape(t, received, WS_EXAMPLES['/spotMarket/tradeOrdersV2'])
  t.same([received.data.status, received.data.clientOid, received.channelType], ['new', 'ws-rest', 'private'])
  const opened = await orderFrame(c, '/spotMarket/tradeOrdersV2', orderId, 'open')
  t.equal(opened.data.status, 'open')
  const v1 = await orderFrame(c, '/spotMarket/tradeOrders', orderId, 'open')
  // The spec's V1 example is labelled with the V2 topic; pushes carry the topic subscribed to.
  sameShape(t, v1, { ...WS_EXAMPLES['/spotMarket/tradeOrders'], topic: '/spotMarket/tradeOrders' })
  t.notOk(c.frames.some(f => f.topic === '/spotMarket/tradeOrders' && f.data.type === 'received'), 'V1 has no received')
  const hold = await c.next(f => f.topic === '/account/balance')
  sameShape(t, hold, WS_EXAMPLES['/account/balance'])
  t.same([hold.data.currency, hold.data.holdChange, hold.data.availableChange, hold.data.relationEvent], ['USDT', '1', '-1', 'trade.hold'])
  t.equal(hold.userId, received.userId, 'one demo userId')

  await signed(sim.spotUrl, 'DELETE', `/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`)
  const canceled = await orderFrame(c, '/spotMarket/tradeOrdersV2', orderId, 'canceled')
  t.same([canceled.data.status, canceled.data.canceledSize, canceled.data.remainSize], ['done', '0.001', '0'])
  t.equal((await c.next(f => f.topic === '/account/balance')).data.holdChange, '-1')

  const market = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders', { symbol: 'ETH-USDT', side: 'sell', type: 'market', size: '0.5' })
  const match = await orderFrame(c, '/spotMarket/tradeOrdersV2', market.body.data.orderId, 'match')
  t.same([match.data.status, match.data.liquidity, match.data.matchSize], ['match', 'taker', '0.5'])
  t.type(match.data.matchPrice, 'string')
  t.equal((await orderFrame(c, '/spotMarket/tradeOrdersV2', market.body.data.orderId, 'filled')).data.status, 'done')
  const settled = await c.next(f => f.topic === '/account/balance' && f.data.currency === 'ETH')
  t.same([settled.data.relationEvent, settled.data.availableChange], ['trade.setted', '-0.5'])
})

t.test('futures orders, positions and wallet', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim, { market: 'futures', private: true })
  for (const topic of ['/contractMarket/tradeOrders', '/contractMarket/tradeOrders:XBTUSDTM', '/contract/positionAll', '/contractAccount/wallet']) {
    t.equal((await c.subscribe(topic, true)).type, 'ack')
  }
  const placed = await signed(sim.futuresUrl, 'POST', '/api/v1/orders', { clientOid: 'ws-f', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 2, leverage: 5 })
  const orderId = placed.body.data.orderId as string
  const match = await orderFrame(c, '/contractMarket/tradeOrders:XBTUSDTM', orderId, 'match')
  sameShape(t, match, WS_EXAMPLES['/contractMarket/tradeOrders'], ['orderType', 'clientOid', 'tradeType', 'feeType', 'matchPrice', 'matchSize', 'tradeId'])
  t.same([match.data.status, match.data.filledSize, match.data.liquidity], ['match', '2', 'taker'])
  t.equal((await orderFrame(c, '/contractMarket/tradeOrders:XBTUSDTM', orderId, 'filled')).data.status, 'done')
  t.equal(c.frames.filter(f => f.data?.orderId === orderId && f.data.type === 'match').length, 1, 'one message per socket even with both order topics')
  const position = await c.next(f => f.subject === 'position.change')
  sameShape(t, position, WS_EXAMPLES['/contract/position'])
  t.same([position.topic, position.data.currentQty, position.data.isOpen], ['/contract/position:XBTUSDTM', 2, true])
  const wallet = await c.next(f => f.topic === '/contractAccount/wallet')
  sameShape(t, wallet, WS_EXAMPLES['/contractAccount/wallet'])
  t.equal(wallet.data.currency, 'USDT')
  t.ok(Number(wallet.data.isolatedPosMargin) > 0)

  const resting = await signed(sim.futuresUrl, 'POST', '/api/v1/orders', { clientOid: 'ws-r', symbol: 'ETHUSDTM', side: 'buy', type: 'limit', price: '100', size: 1, leverage: 5 })
  const open2 = await orderFrame(c, '/contractMarket/tradeOrders:ETHUSDTM', resting.body.data.orderId, 'open')
  t.same([open2.data.status, open2.data.liquidity, open2.data.remainSize], ['open', 'maker', '1'])
  t.ok(Number((await c.next(f => f.topic === '/contractAccount/wallet')).data.isolatedOrderMargin) > 0)
  await signed(sim.futuresUrl, 'DELETE', `/api/v1/orders/${resting.body.data.orderId as string}`)
  const canceled = await orderFrame(c, '/contractMarket/tradeOrders:ETHUSDTM', resting.body.data.orderId, 'canceled')
  t.same([canceled.data.status, canceled.data.canceledSize], ['done', '1'])
})

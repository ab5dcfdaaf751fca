// Private topics end to end: a gateway bullet-private token, a private
// subscription the gateway makes upstream with its own KuCoin key, an order
// placed through the REST proxy, and the simulator's private order frames
// reaching every private client.
import t from 'tap'
import { startGateway } from '../helper.js'
import { connect, until } from './ws-client.js'

t.test('spot: an order placed through the REST proxy arrives on /spotMarket/tradeOrders', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const a = await connect(gw.url, 'spot', 'private')
  const b = await connect(gw.url, 'spot', 'private')
  const pub = await connect(gw.url, 'spot', 'public')
  t.teardown(() => { a.close(); b.close(); pub.close() })
  t.equal((await a.subscribe('/spotMarket/tradeOrders', 'a1', true)).type, 'ack')
  t.equal((await a.subscribe('/account/balance', 'a2', true)).type, 'ack')
  t.equal((await b.subscribe('/spotMarket/tradeOrders', 'b1', true)).type, 'ack')
  t.match(await pub.subscribe('/spotMarket/tradeOrders', 'p1', true), { type: 'error', code: 403 }, 'a public token cannot')
  await until(() => gw.sim.ws.subscriptions().some(c => c.topics.length === 2), 5000, 'upstream private subscriptions')
  t.same(gw.sim.ws.subscriptions().map(c => ({ private: c.private, topics: [...c.topics].sort() })),
    [{ private: true, topics: ['/account/balance', '/spotMarket/tradeOrders'] }], 'one private upstream connection, each topic once')

  const res = await gw.call('POST', '/spot/api/v1/hf/orders', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientOid: 'gw-private-1', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })
  })
  t.equal(res.status, 200, 'order placed through the REST proxy')
  const orderId = res.json().data.orderId as string
  for (const client of [a, b]) {
    const open = await client.waitFor(f => f.topic === '/spotMarket/tradeOrders' && f.data?.orderId === orderId)
    t.match(open, { type: 'message', subject: 'orderChange', channelType: 'private', data: { type: 'open', status: 'open', clientOid: 'gw-private-1', symbol: 'BTC-USDT' } })
  }
  const hold = await a.waitFor(f => f.topic === '/account/balance')
  t.match(hold.data, { currency: 'USDT', relationContext: { orderId } })
  t.notOk(b.frames.some(f => f.topic === '/account/balance'), 'b gets only what it subscribed')
  t.notOk(pub.frames.some(f => f.type === 'message'), 'the public client gets nothing private')
})

t.test('futures: a per-symbol private topic', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const c = await connect(gw.url, 'futures', 'private')
  t.teardown(() => c.close())
  t.equal((await c.subscribe('/contractMarket/tradeOrders:XBTUSDTM', 'f1', true)).type, 'ack')
  await until(() => gw.sim.ws.subscriptions().some(s => s.private && s.market === 'futures' && s.topics.length === 1), 5000, 'upstream subscription')
  const res = await gw.call('POST', '/futures/api/v1/orders', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientOid: 'gw-f-1', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 5 })
  })
  t.equal(res.status, 200, 'order placed through the REST proxy')
  const match = await c.waitFor(f => f.topic === '/contractMarket/tradeOrders:XBTUSDTM' && f.data?.type === 'match')
  t.match(match.data, { orderId: res.json().data.orderId, clientOid: 'gw-f-1', status: 'match', filledSize: '1' })
})

t.test('without KuCoin credentials, private bullets are refused and public ones work', async t => {
  const gw = await startGateway(t, { key: 'none' })
  for (const market of ['spot', 'futures']) {
    const res = await gw.call('POST', `/${market}/api/v1/bullet-private`)
    t.equal(res.status, 401, `${market} bullet-private`)
    t.match(res.json(), { type: 'urn:kgw:credentials-missing', market })
    t.equal((await gw.call('POST', `/${market}/api/v1/bullet-public`)).status, 200, `${market} bullet-public`)
  }
  t.equal(gw.sim.requests.filter(r => r.url.includes('bullet')).length, 0, 'KuCoin was never asked')
})

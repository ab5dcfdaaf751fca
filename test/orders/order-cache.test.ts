// Read-your-writes over real sockets: a gateway in front of the simulator,
// whose lookups do not see new orders for a while (its visibility-lag fault).
// A lookup through the gateway right after a placement through it answers the
// order (from the cache, marked) instead of KuCoin's "does not exist" — only
// while the gateway's private order stream is unbroken since the placement.
import t from 'tap'
import { startGateway, type Gateway } from '../helper.js'
import { until } from '../ws/ws-client.js'

const JSON_HEADERS = { 'content-type': 'application/json' }
const LAG = { lookupLagMs: 600_000 }

async function post (gw: Gateway, path: string, body: Record<string, unknown>): Promise<{ status: number, data: any }> {
  const res = await gw.call('POST', path, { headers: JSON_HEADERS, body: JSON.stringify(body) })
  return { status: res.status, data: res.json().data }
}

const spotOrder = (clientOid: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ clientOid, symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001', ...extra })

async function eagerGateway (t: Parameters<typeof startGateway>[0], env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true', KGW_ORDER_CACHE: 'eager', ...env }, simulator: LAG })
  await until(() => gw.app.orderCache.trusted('spot') && gw.app.orderCache.trusted('futures'), 10_000, 'both order streams live')
  return gw
}

t.test('spot HF: lookups by id and by clientOid right after a placement', async t => {
  const gw = await eagerGateway(t)
  const placed = await post(gw, '/spot/api/v1/hf/orders', spotOrder('ryw-1'))
  t.equal(placed.status, 200)
  const orderId = placed.data.orderId as string
  const lookups = [`/spot/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`, '/spot/api/v1/hf/orders/client-order/ryw-1?symbol=BTC-USDT']
  for (const path of lookups) {
    const res = await gw.get(path)
    t.equal(res.status, 200, `${path}: found`)
    t.equal(res.headers['kgw-served-from'], 'order-cache', 'marked as answered by the cache')
    t.match(res.json(), { code: '200000', data: { id: orderId, clientOid: 'ryw-1', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001', active: true } })
  }
  t.equal(gw.sim.requests.filter(r => r.url.startsWith('/api/v1/hf/orders/') && r.method === 'GET').length, 2, 'KuCoin was asked first, every time')
  t.equal(gw.app.orderCache.served, 2)

  // The cancel shows on the stream: the cache's answer follows it.
  t.equal((await gw.call('DELETE', `/spot/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`)).status, 200)
  await until(() => gw.app.orderCache.vouchFor('spot', { kind: 'spot-hf', by: 'orderId', id: orderId, symbol: 'BTC-USDT' })?.status === 'done', 10_000, 'the cancel on the stream')
  t.match((await gw.get(lookups[0]!)).json().data, { id: orderId, active: false })

  // Once KuCoin sees the order, KuCoin answers.
  gw.sim.orders.setLag({ lookupLagMs: 0 })
  const direct = await gw.get(lookups[1]!)
  t.equal(direct.headers['kgw-served-from'], undefined)
  t.match(direct.json().data, { id: orderId, active: false, cancelExist: true })
})

t.test('futures: a filled market order, and lookups by id and byClientOid', async t => {
  const gw = await eagerGateway(t)
  const placed = await post(gw, '/futures/api/v1/orders', { clientOid: 'ryw-f', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 5 })
  t.equal(placed.status, 200)
  const orderId = placed.data.orderId as string
  await until(() => gw.app.orderCache.vouchFor('futures', { kind: 'futures', by: 'orderId', id: orderId, symbol: undefined })?.status === 'done', 10_000, 'the fill on the stream')
  for (const path of [`/futures/api/v1/orders/${orderId}`, '/futures/api/v1/orders/byClientOid?clientOid=ryw-f']) {
    const res = await gw.get(path)
    t.equal(res.headers['kgw-served-from'], 'order-cache', path)
    t.match(res.json().data, { id: orderId, clientOid: 'ryw-f', symbol: 'XBTUSDTM', status: 'done', isActive: false, filledSize: '1' })
  }
})

t.test('an out-of-order stream: a final state sticks, the filled size never shrinks', async t => {
  const gw = await eagerGateway(t)
  const placed = await post(gw, '/spot/api/v1/hf/orders', spotOrder('ryw-order'))
  const orderId = placed.data.orderId as string
  const topic = '/spotMarket/tradeOrdersV2'
  const frame = (data: Record<string, unknown>): string => JSON.stringify({ topic, type: 'message', subject: 'orderChange', channelType: 'private', data: { orderId, clientOid: 'ryw-order', symbol: 'BTC-USDT', side: 'buy', orderType: 'limit', ...data } })
  await until(() => gw.app.orderCache.vouchFor('spot', { kind: 'spot-hf', by: 'orderId', id: orderId, symbol: 'BTC-USDT' })?.status === 'open', 10_000, 'the open message')
  // KuCoin's later messages arrive first: done (partly filled, rest cancelled), then a match, then a stale open.
  gw.sim.ws.publishRaw('spot', topic, frame({ type: 'canceled', status: 'done', filledSize: '0.0004', canceledSize: '0.0006' }))
  gw.sim.ws.publishRaw('spot', topic, frame({ type: 'match', status: 'match', filledSize: '0.0004', matchSize: '0.0004' }))
  gw.sim.ws.publishRaw('spot', topic, frame({ type: 'open', status: 'open', filledSize: '0' }))
  // A marker after them: once it is in, so are the three before it (one upstream socket, in order).
  gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ topic, type: 'message', subject: 'orderChange', data: { orderId: 'marker', clientOid: 'marker', status: 'new' } }))
  await until(() => gw.app.orderCache.size >= 2 && gw.app.orderCache.vouchFor('spot', { kind: 'spot-hf', by: 'orderId', id: orderId, symbol: 'BTC-USDT' })?.status === 'done', 10_000, 'the messages')
  const res = await gw.get(`/spot/api/v1/hf/orders/${orderId}?symbol=BTC-USDT`)
  t.equal(res.headers['kgw-served-from'], 'order-cache')
  t.match(res.json().data, { id: orderId, active: false, dealSize: '0.0004', cancelledSize: '0.0006' }, 'done, with the largest filled size seen')
})

t.test('not vouched for: orders placed elsewhere, another symbol, Classic lookups', async t => {
  const gw = await eagerGateway(t)
  const placed = await post(gw, '/spot/api/v1/hf/orders', spotOrder('ryw-2'))
  const other = await gw.get('/spot/api/v1/hf/orders/client-order/ryw-2?symbol=ETH-USDT')
  t.equal(other.json().code, '102436', 'a lookup in another symbol is KuCoin\'s answer')
  t.equal(other.headers['kgw-served-from'], undefined)
  t.equal((await gw.get(`/spot/api/v1/orders/${placed.data.orderId as string}`)).json().code, '400100', 'Classic lookups pass KuCoin\'s not-found through')
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/never-placed?symbol=BTC-USDT')).json().code, '102436')
})

t.test('a lost placement answer: the stream saw the order, it settles the placement and the lookup by clientOid finds it', async t => {
  const gw = await eagerGateway(t, { KGW_SETTLE_WAIT_MS: '20000' })
  gw.sim.addFault({ path: '/api/v1/hf/orders', method: 'POST', times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const lost = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: JSON_HEADERS, body: JSON.stringify(spotOrder('ryw-lost')) })
  // KuCoin's answer was lost and its lookups cannot see the order for ten minutes: the stream settled it.
  t.equal(lost.status, 200, lost.text)
  t.equal(gw.sim.orders.count('ryw-lost'), 1, 'the order exists, once')
  await until(() => gw.app.orderCache.vouchFor('spot', { kind: 'spot-hf', by: 'clientOid', id: 'ryw-lost', symbol: 'BTC-USDT' }) !== undefined, 10_000, 'the stream message')
  const res = await gw.get('/spot/api/v1/hf/orders/client-order/ryw-lost?symbol=BTC-USDT')
  t.equal(res.headers['kgw-served-from'], 'order-cache')
  t.match(res.json().data, { id: lost.json().data.orderId, clientOid: 'ryw-lost', active: true })
})

t.test('a gap in the order stream: the cache no longer vouches', async t => {
  const gw = await eagerGateway(t)
  // The stream drops and cannot come back: a placement now could change unseen.
  gw.sim.ws.refuseConnections(true)
  gw.sim.ws.dropAll()
  await until(() => !gw.app.orderCache.trusted('spot'), 10_000, 'the drop noticed')
  const placed = await post(gw, '/spot/api/v1/hf/orders', spotOrder('ryw-gap'))
  t.equal(placed.status, 200)
  const during = await gw.get('/spot/api/v1/hf/orders/client-order/ryw-gap?symbol=BTC-USDT')
  t.equal(during.json().code, '102436', 'KuCoin\'s not-found passes through')
  t.equal(during.headers['kgw-served-from'], undefined)
  // Back again: still not, since the stream was not unbroken since that placement.
  gw.sim.ws.refuseConnections(false)
  await until(() => gw.app.orderCache.trusted('spot'), 20_000, 'the stream back')
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/ryw-gap?symbol=BTC-USDT')).json().code, '102436', 'a gap since the placement is a gap')
  // A placement after the stream came back is vouched for again.
  await post(gw, '/spot/api/v1/hf/orders', spotOrder('ryw-after'))
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/ryw-after?symbol=BTC-USDT')).headers['kgw-served-from'], 'order-cache')
})

t.test('lazy (the default): the stream starts with the first placement, which it cannot vouch for', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' }, simulator: LAG })
  t.notOk(gw.sim.ws.subscriptions().some(s => s.private), 'no private stream before any placement')
  await post(gw, '/spot/api/v1/hf/orders', spotOrder('lazy-1'))
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/lazy-1?symbol=BTC-USDT')).json().code, '102436')
  await until(() => gw.app.orderCache.trusted('spot'), 10_000, 'the stream live')
  await post(gw, '/spot/api/v1/hf/orders', spotOrder('lazy-2'))
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/lazy-2?symbol=BTC-USDT')).headers['kgw-served-from'], 'order-cache')
})

t.test('off: KuCoin answers, always', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true', KGW_ORDER_CACHE: 'off' }, simulator: LAG })
  await post(gw, '/spot/api/v1/hf/orders', spotOrder('off-1'))
  t.equal((await gw.get('/spot/api/v1/hf/orders/client-order/off-1?symbol=BTC-USDT')).json().code, '102436')
  t.equal(gw.app.orderCache.size, 0)
})

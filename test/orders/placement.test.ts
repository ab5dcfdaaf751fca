// Idempotent placement against the simulator over real sockets: the key's
// rules (428, 422, replay, 50 concurrent → one POST), the outcome header on
// every answer, GET /placements/{key}, and a reset before KuCoin ran the
// order settled as not-placed through HF allowMaxTimeWindow.
import t from 'tap'
import { seen, startGateway, type Gateway } from '../helper.js'

const JSON_HEADERS = { 'content-type': 'application/json' }
const RESTING = { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' }
const FAST = { KGW_TRADING_ENABLED: 'true', KGW_ORDER_TIME_WINDOW_MS: '300', KGW_SETTLE_GRACE_MS: '200', KGW_SETTLE_WAIT_MS: '5000' }

const place = async (gw: Gateway, body: object, key?: string): ReturnType<Gateway['call']> =>
  await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { ...JSON_HEADERS, ...(key === undefined ? {} : { 'idempotency-key': key }) }, body: JSON.stringify(body) })

const posts = (gw: Gateway): number => seen(gw.sim, '/api/v1/hf/orders').filter(r => r.method === 'POST').length

t.test('no key and no clientOid: 428, nothing sent', async t => {
  const gw = await startGateway(t, { env: FAST })
  const res = await place(gw, RESTING)
  t.equal(res.status, 428)
  t.match(res.json(), { type: 'urn:kgw:idempotency-key-required', market: 'spot' })
  t.equal(posts(gw), 0)
  t.equal((await place(gw, RESTING, 'bad key!')).status, 400, 'a malformed key is refused')
  t.equal(posts(gw), 0)
})

t.test('a key: placed with a derived clientOid and the time window; the same key replays; another body is 422', async t => {
  const gw = await startGateway(t, { env: FAST })
  const first = await place(gw, RESTING, 'order-1')
  t.equal(first.status, 200)
  t.equal(first.headers['kgw-order-outcome'], 'placed')
  t.notOk(first.headers['idempotent-replayed'])
  const sent = JSON.parse(seen(gw.sim, '/api/v1/hf/orders').find(r => r.method === 'POST')!.body)
  t.match(sent, { ...RESTING, clientOid: /^k[A-Za-z0-9_-]{39}$/, allowMaxTimeWindow: 300, clientTimestamp: Number })
  t.equal(first.json().data.clientOid, sent.clientOid)

  const again = await place(gw, RESTING, 'order-1')
  t.equal(again.status, 200)
  t.equal(again.text, first.text, 'the stored answer, byte for byte')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.headers['kgw-order-outcome'], 'placed')

  const other = await place(gw, { ...RESTING, size: '0.002' }, 'order-1')
  t.equal(other.status, 422)
  t.match(other.json(), { type: 'urn:kgw:idempotency-key-reused' })
  t.equal(posts(gw), 1, 'one POST in all')

  const view = await gw.get('/placements/order-1')
  t.equal(view.status, 200)
  t.match(view.json(), { key: 'order-1', clientOid: sent.clientOid, market: 'spot', outcome: 'placed', orderId: first.json().data.orderId, updatedAt: Number })
  t.equal((await gw.get('/placements/nope')).status, 404)
})

t.test('a body clientOid is the key when there is no header (ccxt), and is sent unchanged', async t => {
  const gw = await startGateway(t, { env: FAST })
  const body = { ...RESTING, clientOid: 'ccxt-style-1' }
  const first = await place(gw, body)
  t.equal(first.status, 200)
  const again = await place(gw, body)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(posts(gw), 1)
  const sent = JSON.parse(seen(gw.sim, '/api/v1/hf/orders').find(r => r.method === 'POST')!.body)
  t.equal(sent.clientOid, 'ccxt-style-1')
  t.equal((await gw.get('/placements/ccxt-style-1')).json().outcome, 'placed')
})

t.test('50 concurrent placements with one key: exactly one POST, every caller gets the same order', async t => {
  // A window wider than the delay below, or the simulator refuses the order as a late arrival.
  const gw = await startGateway(t, { env: { ...FAST, KGW_ORDER_TIME_WINDOW_MS: '10000' } })
  gw.sim.addFault({ method: 'POST', path: '/api/v1/hf/orders', times: 1, action: { kind: 'delay', ms: 300 } })
  const replies = await Promise.all(Array.from({ length: 50 }, async () => await place(gw, RESTING, 'burst')))
  t.equal(posts(gw), 1, 'one POST reached KuCoin')
  const ids = new Set(replies.map(r => r.json().data.orderId))
  t.equal(ids.size, 1, 'one order id for all')
  t.same(replies.map(r => r.status), replies.map(() => 200))
  t.equal(replies.filter(r => r.headers['idempotent-replayed'] === 'true').length, 49)
})

t.test('a rejection is stored and replayed; KuCoin is asked once', async t => {
  const gw = await startGateway(t, { env: FAST })
  const poor = { ...RESTING, price: '1000000', size: '1' }
  const first = await place(gw, poor, 'poor')
  t.equal(first.status, 422)
  t.equal(first.headers['kgw-order-outcome'], 'rejected')
  t.match(first.json(), { type: 'urn:kgw:insufficient-funds' })
  const again = await place(gw, poor, 'poor')
  t.equal(again.status, 422)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.match(again.json(), { type: 'urn:kgw:insufficient-funds', code: first.json().code })
  t.equal(posts(gw), 1)
  t.match((await gw.get('/placements/poor')).json(), { outcome: 'rejected', error: { type: 'urn:kgw:insufficient-funds' } })
})

t.test('not placed (KuCoin refused it before running it: 400005): no record, a retry places', async t => {
  const gw = await startGateway(t, { env: FAST })
  gw.sim.addFault({ method: 'POST', path: '/api/v1/hf/orders', times: 1, action: { kind: 'code', code: '400005' } })
  const first = await place(gw, RESTING, 'limited')
  t.equal(first.status, 401)
  t.equal(first.headers['kgw-order-outcome'], 'not-placed')
  t.equal((await gw.get('/placements/limited')).status, 404)
  const retry = await place(gw, RESTING, 'limited')
  t.equal(retry.status, 200)
  t.equal(retry.headers['kgw-order-outcome'], 'placed')
})

t.test('reset before KuCoin ran it: settled as not-placed once the time window has passed', async t => {
  const gw = await startGateway(t, { env: FAST })
  gw.sim.addFault({ method: 'POST', path: '/api/v1/hf/orders', times: 1, action: { kind: 'reset' } })
  const first = await place(gw, RESTING, 'lost-before')
  t.equal(first.headers['kgw-order-outcome'], 'not-placed', JSON.stringify(first.text))
  t.match(first.json(), { type: 'urn:kgw:upstream-reset' })
  t.ok(seen(gw.sim, '/api/v1/hf/orders/client-order/').length >= 1, 'the gateway looked the order up')
  t.equal(gw.sim.requests.filter(r => r.method === 'POST').length >= 1, true)
  const retry = await place(gw, RESTING, 'lost-before')
  t.equal(retry.status, 200, 'a retry is safe and places it')
  const open = await gw.get('/spot/api/v1/hf/orders/active?symbol=BTC-USDT')
  t.equal(open.json().data.length, 1, 'one order on KuCoin')
})

t.test('the same key while the first is still running, past KGW_IDEMPOTENCY_WAIT_MS: 409 with Retry-After, then the replay', async t => {
  const gw = await startGateway(t, { env: { ...FAST, KGW_IDEMPOTENCY_WAIT_MS: '100', KGW_ORDER_TIME_WINDOW_MS: '10000' } })
  gw.sim.addFault({ method: 'POST', path: '/api/v1/hf/orders', times: 1, action: { kind: 'delay', ms: 1500 } })
  const first = place(gw, RESTING, 'slow')
  await new Promise(resolve => setTimeout(resolve, 300))
  const second = await place(gw, RESTING, 'slow')
  t.equal(second.status, 409)
  t.match(second.json(), { type: 'urn:kgw:idempotency-key-in-flight' })
  t.ok(Number(second.headers['retry-after']) >= 1)
  t.equal((await gw.get('/placements/slow')).json().outcome, 'pending')
  t.equal((await first).status, 200)
  const third = await place(gw, RESTING, 'slow')
  t.equal(third.headers['idempotent-replayed'], 'true')
  t.equal(posts(gw), 1)
})

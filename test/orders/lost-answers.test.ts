// Placements whose answer is lost or ambiguous, against a scripted KuCoin
// over real sockets: every caller ends with the outcome KuCoin's side shows,
// and KuCoin holds at most one order per key.
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGatewayOn, startScriptedKucoin } from './scripted-kucoin.js'

const ORDER = JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })
const IOC = JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', type: 'market', size: '0.001', timeInForce: 'IOC' })
const FAST = { KGW_SETTLE_WAIT_MS: '5000', KGW_ORDER_TIME_WINDOW_MS: '2000', KGW_SETTLE_GRACE_MS: '1000' }
const withKey = (key: string): Record<string, string> => ({ 'idempotency-key': key })

t.test('the response is lost after the order was created: one order, the caller gets placed', async t => {
  const k = await startScriptedKucoin(t)
  const gw = await startGatewayOn(t, k, FAST)
  k.place = [{ kind: 'reset' }]
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('lost-1'), body: ORDER })
  t.equal(res.status, 200)
  t.equal(res.headers['kgw-order-outcome'], 'placed')
  const [clientOid, orderId] = [...k.orders][0]!
  t.same(res.json, { code: '200000', data: { orderId, clientOid } }, 'KuCoin\'s success shape, with the order found by lookup')
  t.equal(k.posts().length, 1)
  t.ok(k.lookups().length >= 1)
  t.match(k.lookups()[0]!.target, `/api/v1/hf/orders/client-order/${clientOid}?symbol=BTC-USDT`)
  const again = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('lost-1'), body: ORDER })
  t.same(again.json, res.json)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(k.posts().length, 1, 'still one POST')
})

t.test('lookups lag behind the create (visibility lag): settled once the order shows', async t => {
  const k = await startScriptedKucoin(t)
  const gw = await startGatewayOn(t, k, FAST)
  k.place = [{ kind: 'reset' }]
  k.lookup = ['not-found', 'not-found', 'error', 'truth']
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('lag-1'), body: ORDER })
  t.equal(res.headers['kgw-order-outcome'], 'placed')
  t.equal(res.json.data.orderId, [...k.orders.values()][0])
  t.equal(k.lookups().length, 4)
})

t.test('a duplicate-clientOid answer means the first is live: answered with that order', async t => {
  const k = await startScriptedKucoin(t)
  const gw = await startGatewayOn(t, k, FAST)
  const cases = [
    ['/spot/api/v1/hf/orders', { code: '102426', msg: 'The clientOid is duplicated, please change another one.' }],
    ['/spot/api/v3/hf/margin/order', { code: '126044', msg: 'clientOid duplicate' }],
    ['/futures/api/v1/orders', { code: '300018', msg: 'clientOid parameter repeated' }],
    ['/spot/api/v1/orders', { code: '400100', msg: 'validation.createOrder.clientOidDuplicated' }]
  ] as const
  for (const [path, dup] of cases) {
    const clientOid = `live-${dup.code}`
    k.orders.set(clientOid, `first-${dup.code}`)
    k.place = [{ kind: 'code', ...dup }]
    const res = await gw.call('POST', path, { body: JSON.stringify({ clientOid, symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1', size: '1', leverage: 1 }) })
    t.equal(res.status, 200, path)
    t.equal(res.headers['kgw-order-outcome'], 'placed', path)
    t.same(res.json.data, { orderId: `first-${dup.code}`, clientOid }, `${path}: the live order`)
  }
  t.equal(k.posts().length, 4)
  t.same(k.lookups().map(r => r.target.split('?')[0]), [
    '/api/v1/hf/orders/client-order/live-102426',
    '/api/v3/hf/margin/orders/client-order/live-126044',
    '/api/v1/orders/byClientOid',
    '/api/v1/order/client-order/live-400100'
  ])
})

t.test('still unknown: 202 with Location and Retry-After; GET /placements settles it later', async t => {
  const k = await startScriptedKucoin(t)
  const gw = await startGatewayOn(t, k, { KGW_SETTLE_WAIT_MS: '300', KGW_SETTLE_MAX_MS: '600' })
  k.place = [{ kind: 'reset' }]
  k.lookup = ['error']
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('dark'), body: ORDER })
  t.equal(res.status, 202)
  t.equal(res.headers['kgw-order-outcome'], 'unknown')
  t.equal(res.headers.location, '/placements/dark')
  t.ok(Number(res.headers['retry-after']) >= 1)
  t.match(res.json, { type: 'urn:kgw:order-outcome-unknown', status: 202, market: 'spot' })
  t.equal((await gw.call('GET', '/placements/dark')).json.outcome, 'unknown')
  k.lookup = ['truth']
  const view = await gw.call('GET', '/placements/dark')
  t.match(view.json, { key: 'dark', outcome: 'placed', orderId: [...k.orders.values()][0] })
  t.equal(k.posts().length, 1)
})

t.test('a filled IOC whose response was lost, retried after a gateway restart: no second order', async t => {
  const journal = join(mkdtempSync(join(tmpdir(), 'kgw-journal-')), 'placements.jsonl')
  const k = await startScriptedKucoin(t)
  const env = { KGW_IDEMPOTENCY_JOURNAL: journal, KGW_SETTLE_WAIT_MS: '200', KGW_SETTLE_MAX_MS: '400' }
  const before = await startGatewayOn(t, k, env)
  k.place = [{ kind: 'reset' }]
  k.lookup = ['error']
  const first = await before.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('ioc-1'), body: IOC })
  t.equal(first.status, 202, 'the first gateway could not tell')
  await before.app.close()

  // KuCoin filled it (HF lookups also find done orders); the new process knows the key from its journal.
  k.place = [{ kind: 'ok' }]
  k.lookup = ['truth']
  const after = await startGatewayOn(t, k, env)
  const retry = await after.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('ioc-1'), body: IOC })
  t.equal(retry.status, 200)
  t.equal(retry.headers['kgw-order-outcome'], 'placed')
  t.equal(retry.json.data.orderId, [...k.orders.values()][0])
  t.equal(k.posts().length, 1, 'KuCoin saw one POST in all')
  t.equal(k.orders.size, 1)
  t.equal((await after.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('ioc-1'), body: IOC })).headers['idempotent-replayed'], 'true')
})

t.test('a placed key survives a restart with the journal and is replayed, not resent', async t => {
  const journal = join(mkdtempSync(join(tmpdir(), 'kgw-journal-')), 'placements.jsonl')
  const k = await startScriptedKucoin(t)
  const before = await startGatewayOn(t, k, { KGW_IDEMPOTENCY_JOURNAL: journal })
  const first = await before.call('POST', '/futures/api/v1/orders', { headers: withKey('f-1'), body: JSON.stringify({ symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 1 }) })
  t.equal(first.status, 200)
  await before.app.close()
  const after = await startGatewayOn(t, k, { KGW_IDEMPOTENCY_JOURNAL: journal })
  const again = await after.call('POST', '/futures/api/v1/orders', { headers: withKey('f-1'), body: JSON.stringify({ symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 1, leverage: 1 }) })
  t.same(again.json, first.json)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(k.posts().length, 1)
})

t.test('two retries join a settlement that proves the key not placed: one places it again, both answer placed', async t => {
  // The first answer is a 500 (lost: unknown). Settlement proves absence at the first lookup past
  // the window + grace (1500 ms): the one at ~1850 ms by the schedule (0, 100, 250, 500, 1000 ms).
  // The first caller gives up waiting at 1200 ms, the retries arrive then and wait with it. Each
  // step is ≥ 550 ms from the next, so a loaded machine's late timers do not reorder them (a CI
  // run with 150 ms margins let the settlement beat the first caller's wait). Each retry sees the
  // record dropped; one begins the key again and the other waits for that placement — it never
  // reads the new record as its own unknown.
  const k = await startScriptedKucoin(t)
  const gw = await startGatewayOn(t, k, { KGW_ORDER_CACHE: 'off', KGW_SETTLE_WAIT_MS: '1200', KGW_ORDER_TIME_WINDOW_MS: '1400', KGW_SETTLE_GRACE_MS: '100' })
  k.place = [{ kind: 'code', code: '500000', msg: 'Internal Server Error', status: 500 }, { kind: 'ok' }]
  k.lookup = ['not-found']
  const first = await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('race-1'), body: ORDER })
  t.equal(first.status, 202, 'the first caller cannot tell yet')
  const retries = await Promise.all([1, 2].map(async () => await gw.call('POST', '/spot/api/v1/hf/orders', { headers: withKey('race-1'), body: ORDER })))
  for (const retry of retries) t.equal(retry.headers['kgw-order-outcome'], 'placed', JSON.stringify(retry.json))
  t.equal(retries[0]!.json?.data?.orderId, retries[1]!.json?.data?.orderId, 'both name the same order')
  t.equal(k.posts().length, 2, 'the lost POST and one placement again')
})

// A lost answer settled by the private order stream (issue 15), over real
// sockets against the simulator: its lookups do not see the new order for
// ten minutes (visibility lag), so only the stream can settle it in time.
// The witness is the simulator: one order per key, and the order id it holds
// (read back once the lag is lifted) is the one the caller was answered.
import t from 'tap'
import { deriveClientOid } from '../../src/orders/derived-client-oid.js'
import { parseExposition } from '../fixtures/exposition.js'
import { seen, startGateway, type Gateway } from '../helper.js'
import { until } from '../ws/ws-client.js'

const HF = '/api/v1/hf/orders'
const RESTING = { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' }
const TEN_MINUTES = 600_000

async function eagerGateway (t: Parameters<typeof startGateway>[0], env: Record<string, string>): Promise<Gateway> {
  // A grace far beyond the test: a lookup's "does not exist" (the lag) never proves the order absent here.
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true', KGW_ORDER_CACHE: 'eager', KGW_SETTLE_GRACE_MS: String(TEN_MINUTES), ...env } })
  await until(() => gw.app.orderCache.trusted('spot') && gw.app.orderCache.trusted('futures'), 10_000, 'both order streams live')
  return gw
}

const place = async (gw: Gateway, key: string): ReturnType<Gateway['call']> =>
  await gw.call('POST', `/spot${HF}`, { headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(RESTING) })

const lookups = (gw: Gateway): number => seen(gw.sim, `${HF}/client-order/`).length

/** One sample of /metrics (`<histogram>_count` for a count), 0 when absent. */
async function metric (gw: Gateway, name: string, labels: Record<string, string> = {}): Promise<number> {
  const families = parseExposition((await gw.get('/metrics')).text)
  const sample = families.flatMap(f => f.samples).find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return sample?.value ?? 0
}

/** The order id the simulator holds for this clientOid, asked once its lookups see it (its own answer: never the cache's). */
async function simulatorOrderId (gw: Gateway, clientOid: string): Promise<string> {
  gw.sim.orders.setLag({ lookupLagMs: 0 })
  const res = await gw.get(`/spot${HF}/client-order/${clientOid}?symbol=BTC-USDT`)
  if (res.status !== 200 || res.headers['kgw-served-from'] !== undefined) throw new Error(`the simulator's lookup: ${res.status} ${res.text}`)
  return res.json().data.id
}

t.test('the stream names the order while the settlement waits on lagging lookups: placed at once', async t => {
  const gw = await eagerGateway(t, { KGW_SETTLE_WAIT_MS: '20000' })
  // The stream message comes a second late: the settlement is already looking (and sleeping) by then.
  gw.sim.orders.setLag({ lookupLagMs: TEN_MINUTES, streamLagMs: 1000 })
  gw.sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const res = await place(gw, 'stream-during')
  t.equal(res.status, 200, res.text)
  t.equal(res.headers['kgw-order-outcome'], 'placed')
  const clientOid = deriveClientOid('anonymous', 'stream-during')
  t.equal(await metric(gw, 'kgw_order_settle_duration_seconds_count', { outcome: 'placed', by: 'stream' }), 1, 'settled by the stream (the lookups could not see it)')
  t.equal(await metric(gw, 'kgw_order_settle_duration_seconds_count', { by: 'lookup' }), 0)
  // The settlement is over (its duration is observed last), so its lookup count is final. A lookup
  // sent just before the stream spoke may still be on its way to the simulator: let it arrive.
  const counted = await metric(gw, 'kgw_order_settle_lookups_total')
  await until(() => lookups(gw) >= counted, 10_000, `the simulator to see ${counted} lookups`).catch(() => {})
  t.equal(lookups(gw), counted, `its ${counted} lookups all reached the simulator and found nothing`)
  t.equal(gw.sim.orders.count(clientOid), 1, 'one order at the simulator')
  t.equal(res.json().data.orderId, await simulatorOrderId(gw, clientOid), 'the order the simulator holds')
  t.equal(res.json().data.clientOid, clientOid)
})

t.test('the stream named the order before a settlement began: that settlement needs no lookup', async t => {
  const gw = await eagerGateway(t, { KGW_SETTLE_WAIT_MS: '300', KGW_SETTLE_MAX_MS: '300' })
  // Neither lookups nor the stream tell anything in time: the first settlement ends unknown.
  gw.sim.orders.setLag({ lookupLagMs: TEN_MINUTES, streamLagMs: TEN_MINUTES })
  gw.sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const lost = await place(gw, 'stream-before')
  t.equal(lost.status, 202, lost.text)
  t.equal(lost.headers['kgw-order-outcome'], 'unknown')
  const clientOid = deriveClientOid('anonymous', 'stream-before')

  // Then the stream speaks of the order (its cancel, pushed at once) while no settlement runs.
  gw.sim.orders.setLag({ streamLagMs: 0 })
  const cancel = await gw.call('DELETE', `/spot${HF}/client-order/${clientOid}?symbol=BTC-USDT`)
  t.equal(cancel.status, 200, cancel.text)
  await until(() => gw.app.orderCache.confirmedOrderId('spot', clientOid) !== undefined, 10_000, 'the cancel message in the order cache')
  const looked = lookups(gw)
  const view = await gw.get('/placements/stream-before')
  t.equal(view.status, 200, view.text)
  t.match(view.json(), { key: 'stream-before', clientOid, outcome: 'placed', orderId: String })
  t.equal(lookups(gw), looked, 'no lookup: the cache already knew')
  t.equal(await metric(gw, 'kgw_order_settle_duration_seconds_count', { outcome: 'placed', by: 'stream' }), 1)
  t.equal(gw.sim.orders.count(clientOid), 1, 'one order at the simulator')
  t.equal(view.json().orderId, await simulatorOrderId(gw, clientOid), 'the order the simulator holds')
  const again = await place(gw, 'stream-before')
  t.equal(again.headers['idempotent-replayed'], 'true', 'a retry replays it')
  t.equal(again.json().data.orderId, view.json().orderId)
  t.equal(gw.sim.orders.count(clientOid), 1, 'still one order')
})

t.test('futures: the stream names the order, whose lookups byClientOid cannot see it', async t => {
  const gw = await eagerGateway(t, { KGW_SETTLE_WAIT_MS: '20000' })
  gw.sim.orders.setLag({ lookupLagMs: TEN_MINUTES, streamLagMs: 500 })
  gw.sim.addFault({ market: 'futures', method: 'POST', path: '/api/v1/orders', times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const body = { symbol: 'XBTUSDTM', side: 'buy', type: 'limit', price: '1000', size: 1, leverage: 5 }
  const res = await gw.call('POST', '/futures/api/v1/orders', { headers: { 'content-type': 'application/json', 'idempotency-key': 'stream-futures' }, body: JSON.stringify(body) })
  t.equal(res.status, 200, res.text)
  t.equal(res.headers['kgw-order-outcome'], 'placed')
  t.equal(await metric(gw, 'kgw_order_settle_duration_seconds_count', { outcome: 'placed', by: 'stream' }), 1)
  const clientOid = deriveClientOid('anonymous', 'stream-futures')
  t.equal(gw.sim.orders.count(clientOid, 'futures'), 1, 'one order at the simulator')
  gw.sim.orders.setLag({ lookupLagMs: 0 })
  const held = await gw.get(`/futures/api/v1/orders/byClientOid?clientOid=${clientOid}`)
  t.equal(held.headers['kgw-served-from'], undefined, 'answered by the simulator')
  t.equal(res.json().data.orderId, held.json().data.id, 'the order the simulator holds')
})

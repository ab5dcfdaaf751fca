// Safe placement against the simulator's issue-15 faults (after-commit
// resets, lookup lag, late arrival against allowMaxTimeWindow, active-only
// clientOid uniqueness), over real sockets. The witness is the simulator's
// own count of orders per clientOid: at most one per key, and every caller's
// final answer matches it.
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { deriveClientOid } from '../../src/orders/derived-client-oid.js'
import { DEMO_KEY, type Simulator } from '../../src/simulator/index.js'
import { seen, startGateway, type Gateway } from '../helper.js'

const JSON_HEADERS = { 'content-type': 'application/json' }
const HF = '/api/v1/hf/orders'
const RESTING = { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' }
const IOC = { symbol: 'BTC-USDT', side: 'buy', type: 'market', funds: '10' }
const ENV = { KGW_TRADING_ENABLED: 'true', KGW_SETTLE_WAIT_MS: '8000' }

const place = async (gw: Pick<Gateway, 'call'>, path: string, body: object, key?: string): ReturnType<Gateway['call']> =>
  await gw.call('POST', path, { headers: { ...JSON_HEADERS, ...(key === undefined ? {} : { 'idempotency-key': key }) }, body: JSON.stringify(body) })

const posts = (sim: Simulator, path: string): number => seen(sim, path).filter(r => r.method === 'POST' && r.url.split('?')[0] === path).length

t.test('the response is lost after the order was created (after-commit reset): one order, the caller gets placed', async t => {
  const gw = await startGateway(t, { env: ENV })
  gw.sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const res = await place(gw, `/spot${HF}`, RESTING, 'lost-after')
  t.equal(res.status, 200, res.text)
  t.equal(res.headers['kgw-order-outcome'], 'placed')
  const clientOid = deriveClientOid('anonymous', 'lost-after')
  t.equal(gw.sim.orders.count(clientOid), 1, 'one order on the simulator')
  const open = await gw.get(`/spot${HF}/client-order/${clientOid}?symbol=BTC-USDT`)
  t.equal(res.json().data.orderId, open.json().data.id, 'the answer names the order the simulator holds')
  const again = await place(gw, `/spot${HF}`, RESTING, 'lost-after')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(gw.sim.orders.count(clientOid), 1)
})

t.test('visibility lag, no order stream (KGW_ORDER_CACHE=off): lookups say "does not exist" for a while; still settled as placed by lookup, never not-placed', async t => {
  const gw = await startGateway(t, { env: { ...ENV, KGW_ORDER_CACHE: 'off', KGW_ORDER_TIME_WINDOW_MS: '200', KGW_SETTLE_GRACE_MS: '1500' } })
  gw.sim.orders.setLag({ lookupLagMs: 800 })
  gw.sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'truncate' } })
  const res = await place(gw, `/spot${HF}`, RESTING, 'lagging')
  t.equal(res.headers['kgw-order-outcome'], 'placed', res.text)
  const lookups = seen(gw.sim, `${HF}/client-order/`)
  t.ok(lookups.length >= 2, 'the first lookups found nothing')
  t.equal(gw.sim.ws.subscriptions().filter(c => c.private).length, 0, 'no private stream was opened')
  const settled = (await gw.get('/metrics')).text.split('\n').filter(line => line.startsWith('kgw_order_settle_duration_seconds_count'))
  t.same(settled, ['kgw_order_settle_duration_seconds_count{outcome="placed",by="lookup"} 1'], 'settled by lookup')
  const clientOid = deriveClientOid('anonymous', 'lagging')
  t.equal(gw.sim.orders.count(clientOid), 1)
  t.match(lookups.at(-1)!.url, clientOid)
})

t.test('a late arrival with the time window: KuCoin refuses it, the caller gets not-placed, a retry places once', async t => {
  const gw = await startGateway(t, { env: { ...ENV, KGW_ORDER_TIME_WINDOW_MS: '200' } })
  gw.sim.addFault({ method: 'POST', path: HF, times: 1, action: { kind: 'delay', ms: 600 } })
  const late = await place(gw, `/spot${HF}`, IOC, 'late-1')
  t.equal(late.headers['kgw-order-outcome'], 'not-placed', late.text)
  const clientOid = deriveClientOid('anonymous', 'late-1')
  t.equal(gw.sim.orders.count(clientOid), 0, 'nothing was placed')
  const retry = await place(gw, `/spot${HF}`, IOC, 'late-1')
  t.equal(retry.headers['kgw-order-outcome'], 'placed')
  t.equal(gw.sim.orders.count(clientOid), 1)
})

t.test('a late arrival without a window (futures), its answer timed out: settled by lookup once it shows', async t => {
  // Without the order stream (it could name the order first): the futures lookup is what is tested.
  const gw = await startGateway(t, { env: { ...ENV, KGW_ORDER_CACHE: 'off', KGW_UPSTREAM_HEADERS_TIMEOUT_MS: '300' } })
  // Ten times the timeout: a loaded machine's late timer must not let the answer in first.
  gw.sim.addFault({ market: 'futures', method: 'POST', path: '/api/v1/orders', times: 1, action: { kind: 'delay', ms: 3000 } })
  const body = { symbol: 'XBTUSDTM', side: 'buy', type: 'limit', price: '1000', size: 1, leverage: 5 }
  const res = await place(gw, '/futures/api/v1/orders', body, 'fut-late')
  t.equal(res.headers['kgw-order-outcome'], 'placed', res.text)
  t.equal(gw.sim.orders.count(deriveClientOid('anonymous', 'fut-late'), 'futures'), 1)
  t.ok(seen(gw.sim, '/api/v1/orders/byClientOid').length >= 1, 'found with futures byClientOid')
})

t.test('a live duplicate clientOid (classic spot, margin HF): answered with the live order, no second one', async t => {
  const gw = await startGateway(t, { env: ENV })
  for (const path of ['/api/v1/orders', '/api/v3/hf/margin/order']) {
    const clientOid = `live${path.replaceAll('/', '-')}`
    const first = await place(gw, `/spot${path}`, { ...RESTING, clientOid }, `${clientOid}-a`)
    t.equal(first.status, 200, first.text)
    const second = await place(gw, `/spot${path}`, { ...RESTING, clientOid }, `${clientOid}-b`)
    t.equal(second.headers['kgw-order-outcome'], 'placed', `${path}: ${second.text}`)
    t.equal(second.json().data.orderId, first.json().data.orderId, `${path}: the same order`)
    t.equal(gw.sim.orders.count(clientOid), 1, `${path}: one order`)
  }
})

t.test('a filled IOC whose response was lost, retried after a gateway restart: still one order', async t => {
  const journal = join(mkdtempSync(join(tmpdir(), 'kgw-sim-journal-')), 'placements.jsonl')
  const env = { ...ENV, KGW_IDEMPOTENCY_JOURNAL: journal, KGW_SETTLE_WAIT_MS: '300', KGW_SETTLE_MAX_MS: '600' }
  const first = await startGateway(t, { env: { ...env, KGW_ORDER_CACHE: 'off' } })
  const sim = first.sim
  const clientOid = deriveClientOid('anonymous', 'ioc-restart')
  // The fill happens, its answer is lost, and lookups lag past what the first gateway waits for
  // (which does not watch the order stream, or the stream would settle it).
  sim.orders.setLag({ lookupLagMs: 3000 })
  sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'reset' } })
  const lost = await place(first, `/spot${HF}`, IOC, 'ioc-restart')
  t.equal(lost.status, 202, lost.text)
  t.equal(lost.headers['kgw-order-outcome'], 'unknown')
  t.equal(sim.orders.count(clientOid), 1, 'the order filled')
  await first.app.close()

  // KuCoin's clientOid uniqueness covers active orders only: a filled IOC sent again would fill again.
  sim.orders.setLag({ lookupLagMs: 0 })
  const app = await buildApp(loadConfig({
    LOG_LEVEL: 'silent',
    KUCOIN_API_KEY: DEMO_KEY.key,
    KUCOIN_API_SECRET: DEMO_KEY.secret,
    KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
    KUCOIN_API_KEY_VERSION: String(DEMO_KEY.version),
    ...env,
    KUCOIN_SPOT_URL: sim.spotUrl,
    KUCOIN_FUTURES_URL: sim.futuresUrl
  }))
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  await app.kucoin.clocks.spot.sync()
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const second = {
    call: async (method: string, path: string, options: { headers?: Record<string, string>, body?: string | Buffer } = {}) => {
      const res = await request(base + path, { method: method as 'POST', headers: options.headers, body: options.body })
      const text = await res.body.text()
      return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }
    }
  }
  const retry = await place(second, `/spot${HF}`, IOC, 'ioc-restart')
  t.equal(retry.status, 200, retry.text)
  t.equal(retry.headers['kgw-order-outcome'], 'placed')
  t.equal(sim.orders.count(clientOid), 1, 'still one order after the restart')
  t.equal(posts(sim, HF), 1, 'one POST in all')
})

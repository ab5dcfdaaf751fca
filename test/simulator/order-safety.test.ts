// The simulator behaviour issue 15 needs to prove safe placement: faults after
// the order committed, visibility lag, KuCoin's active-only clientOid
// uniqueness with each market's code, lookups by clientOid, HF time windows and
// the per-clientOid order count. Everything over real sockets.
import t from 'tap'
import { signed, simulator } from './fixtures/sim-client.js'
import type { Reply } from './fixtures/sim-client.js'
import { open } from './fixtures/ws-client.js'

const HF = '/api/v1/hf/orders'
const MARGIN = '/api/v3/hf/margin/order'
// Far from the book: rests without filling. Crossing: fills at once.
const resting = (clientOid: string): Record<string, unknown> => ({ clientOid, symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })
const market = (clientOid: string): Record<string, unknown> => ({ clientOid, symbol: 'BTC-USDT', side: 'buy', type: 'market', funds: '10' })
const futuresResting = (clientOid: string): Record<string, unknown> => ({ clientOid, symbol: 'XBTUSDTM', side: 'buy', type: 'limit', price: '1000', size: 1, leverage: 5 })

t.test('after-commit faults: the order exists, only its answer is lost', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim, { private: true })
  t.equal((await c.subscribe('/spotMarket/tradeOrdersV2', true)).type, 'ack')

  for (const kind of ['reset', 'truncate'] as const) {
    sim.addFault({ path: HF, method: 'POST', times: 1, when: 'after-commit', action: { kind } })
    await t.rejects(signed(sim.spotUrl, 'POST', HF, market(`lost-${kind}`)), `${kind}: the caller gets no answer`)
    t.equal(sim.orders.count(`lost-${kind}`), 1, `${kind}: the order was created`)
    const pushed = await c.next(f => f.data?.clientOid === `lost-${kind}` && f.data.type === 'filled')
    t.equal(pushed.data.status, 'done', `${kind}: the stream reported the fill`)
    const found = await signed(sim.spotUrl, 'GET', `${HF}/client-order/lost-${kind}?symbol=BTC-USDT`)
    t.equal(found.body.data.active, false, `${kind}: HF lookup finds the filled order`)
  }

  sim.addFault({ path: HF, method: 'POST', times: 1, when: 'after-commit', action: { kind: 'html', status: 502 } })
  const html = await fetch(`${sim.spotUrl}${HF}`, { method: 'POST' })
  t.equal(html.status, 502, 'the fault answers even when the request itself failed (unsigned)')
  await html.text()

  sim.addFault({ path: HF, method: 'POST', times: 1, when: 'after-commit', action: { kind: 'code', code: '500000' } })
  const coded = await signed(sim.spotUrl, 'POST', HF, resting('lost-code'))
  t.same([coded.status, coded.body.code], [500, '500000'])
  t.equal(sim.orders.count('lost-code'), 1, 'a 500 after commit: the order rests')

  sim.addFault({ path: /^\/api\/v1\/orders$/, market: 'futures', method: 'POST', times: 1, when: 'after-commit', action: { kind: 'stall' } })
  // Never answered (close() ends it); the order exists all the same.
  signed(sim.futuresUrl, 'POST', '/api/v1/orders', futuresResting('lost-stall')).catch(() => {})
  while (sim.orders.count('lost-stall', 'futures') === 0) await new Promise(resolve => setTimeout(resolve, 10))
  t.pass('a stalled answer: the futures order was created')

  // 'before' (the default) still means the request never ran.
  sim.addFault({ path: HF, method: 'POST', times: 1, action: { kind: 'reset' } })
  await t.rejects(signed(sim.spotUrl, 'POST', HF, resting('never')))
  t.equal(sim.orders.count('never'), 0, 'a before-fault places nothing')
})

t.test('after-commit delay: the order exists before the answer arrives', async t => {
  const sim = await simulator(t)
  sim.addFault({ path: HF, method: 'POST', times: 1, when: 'after-commit', action: { kind: 'delay', ms: 1000 } })
  const pending = signed(sim.spotUrl, 'POST', HF, resting('late-answer'))
  let settled = false
  pending.then(() => { settled = true }, () => {})
  while (sim.orders.count('late-answer') === 0) await new Promise(resolve => setTimeout(resolve, 10))
  t.notOk(settled, 'created while the answer is still held back')
  t.equal((await pending).body.code, '200000')
})

t.test('visibility lag: lookups', async t => {
  const sim = await simulator(t, { lookupLagMs: 600_000 })
  const spot = await signed(sim.spotUrl, 'POST', HF, resting('lag-hf'))
  const classic = await signed(sim.spotUrl, 'POST', '/api/v1/orders', resting('lag-classic'))
  const margin = await signed(sim.spotUrl, 'POST', MARGIN, resting('lag-margin'))
  const futures = await signed(sim.futuresUrl, 'POST', '/api/v1/orders', futuresResting('lag-fut'))
  const spotId = spot.body.data.orderId as string
  const lookups: Array<[string, () => Promise<Reply>, string]> = [
    ['HF by id', async () => await signed(sim.spotUrl, 'GET', `${HF}/${spotId}?symbol=BTC-USDT`), '102436'],
    ['HF by clientOid', async () => await signed(sim.spotUrl, 'GET', `${HF}/client-order/lag-hf?symbol=BTC-USDT`), '102436'],
    ['Classic by id', async () => await signed(sim.spotUrl, 'GET', `/api/v1/orders/${classic.body.data.orderId as string}`), '400100'],
    ['Classic by clientOid', async () => await signed(sim.spotUrl, 'GET', '/api/v1/order/client-order/lag-classic'), '400100'],
    ['margin by id', async () => await signed(sim.spotUrl, 'GET', `/api/v3/hf/margin/orders/${margin.body.data.orderId as string}?symbol=BTC-USDT`), '126043'],
    ['margin by clientOid', async () => await signed(sim.spotUrl, 'GET', '/api/v3/hf/margin/orders/client-order/lag-margin?symbol=BTC-USDT'), '126043'],
    ['futures by id', async () => await signed(sim.futuresUrl, 'GET', `/api/v1/orders/${futures.body.data.orderId as string}`), '100001'],
    ['futures by clientOid', async () => await signed(sim.futuresUrl, 'GET', '/api/v1/orders/byClientOid?clientOid=lag-fut'), '100001']
  ]
  for (const [name, lookup, code] of lookups) t.equal((await lookup()).body.code, code, `${name}: not there yet`)
  t.same((await signed(sim.spotUrl, 'GET', '/api/v1/hf/orders/active?symbol=BTC-USDT')).body.data.length, 2, 'lists are not lagged (HF and Classic orders share the spot book)')
  sim.orders.setLag({ lookupLagMs: 0 })
  for (const [name, lookup] of lookups) t.equal((await lookup()).body.code, '200000', `${name}: visible once the lag passed`)
})

t.test('visibility lag: the private order stream', async t => {
  const sim = await simulator(t, { streamLagMs: 2000 })
  const c = await open(t, sim, { private: true })
  t.equal((await c.subscribe('/spotMarket/tradeOrdersV2', true)).type, 'ack')
  const placed = await signed(sim.spotUrl, 'POST', HF, resting('lag-stream'))
  t.equal(placed.body.code, '200000')
  t.equal((await c.request({ id: 'p', type: 'ping' })).type, 'pong')
  t.notOk(c.frames.some(f => f.data?.clientOid === 'lag-stream'), 'nothing pushed when the answer came')
  const received = await c.next(f => f.data?.clientOid === 'lag-stream', 20_000)
  t.equal(received.data.type, 'received', 'pushed later, in order')
  t.equal((await c.next(f => f.data?.clientOid === 'lag-stream', 20_000)).data.type, 'open')
})

t.test('clientOid is unique only among active orders, with each market\'s code', async t => {
  const sim = await simulator(t)
  const cases: Array<[string, string, string, (oid: string) => Record<string, unknown>, string, 'spot' | 'margin' | 'futures']> = [
    ['spot HF', sim.spotUrl, HF, resting, '102426', 'spot'],
    ['margin HF', sim.spotUrl, MARGIN, resting, '126044', 'margin'],
    ['futures', sim.futuresUrl, '/api/v1/orders', futuresResting, '300018', 'futures']
  ]
  for (const [name, base, path, body, code, account] of cases) {
    const oid = `uniq-${account}`
    const first = await signed(base, 'POST', path, body(oid))
    t.equal(first.body.code, '200000', `${name}: placed`)
    const again = await signed(base, 'POST', path, body(oid))
    t.same([again.status, again.body.code], [200, code], `${name}: duplicate of an active order`)
    t.equal(sim.orders.count(oid, account), 1)
  }
  const classicDup = await signed(sim.spotUrl, 'POST', '/api/v1/orders', resting('uniq-spot'))
  t.same(classicDup.body, { code: '400100', msg: 'clientOidDuplicated' }, 'Classic spot: same book as HF, its own error')
  t.same((await signed(sim.spotUrl, 'POST', '/api/v1/orders', { ...resting('x'), clientOid: undefined })).body, { code: '400100', msg: 'validation.createOrder.clientOidIsRequired' })

  // Once the order is done, the same clientOid places a second order.
  await signed(sim.spotUrl, 'DELETE', `${HF}/client-order/uniq-spot?symbol=BTC-USDT`)
  t.equal((await signed(sim.spotUrl, 'POST', HF, resting('uniq-spot'))).body.code, '200000')
  t.equal(sim.orders.count('uniq-spot'), 2, 'a cancelled order\'s clientOid is reusable')
  t.equal((await signed(sim.spotUrl, 'POST', HF, market('ioc-twice'))).body.code, '200000')
  t.equal((await signed(sim.spotUrl, 'POST', HF, market('ioc-twice'))).body.code, '200000', 'a filled order\'s clientOid executes again')
  t.equal(sim.orders.count('ioc-twice'), 2)
  t.equal(sim.orders.count('ioc-twice', 'futures'), 0)
  await signed(sim.futuresUrl, 'DELETE', '/api/v1/orders/client-order/uniq-futures?symbol=XBTUSDTM')
  t.equal((await signed(sim.futuresUrl, 'POST', '/api/v1/orders', futuresResting('uniq-futures'))).body.code, '200000')
  t.equal(sim.orders.count('uniq-futures'), 2)
})

t.test('lookups by clientOid: HF and futures see done orders, Classic only active ones', async t => {
  const sim = await simulator(t)
  const filled = await signed(sim.spotUrl, 'POST', '/api/v1/orders', market('done-classic'))
  const id = filled.body.data.orderId as string
  t.equal((await signed(sim.spotUrl, 'GET', `${HF}/client-order/done-classic?symbol=BTC-USDT`)).body.data.id, id, 'HF finds the done order')
  t.same((await signed(sim.spotUrl, 'GET', '/api/v1/order/client-order/done-classic')).body, { code: '400100', msg: 'order not exist.' }, 'Classic: settled orders do not exist')
  t.equal((await signed(sim.spotUrl, 'GET', `/api/v1/orders/${id}`)).body.data.isActive, false, 'Classic by id still finds it')
  await signed(sim.spotUrl, 'POST', '/api/v1/orders', resting('active-classic'))
  t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/order/client-order/active-classic')).body.data.isActive, true)

  const placed = await signed(sim.spotUrl, 'POST', MARGIN, market('done-margin'))
  t.same(Object.keys(placed.body.data).sort(), ['borrowSize', 'clientOid', 'loanApplyId', 'orderId'])
  const margin = await signed(sim.spotUrl, 'GET', '/api/v3/hf/margin/orders/client-order/done-margin?symbol=BTC-USDT')
  t.same([margin.body.data.active, margin.body.data.tradeType], [false, 'MARGIN_TRADE'])
  t.equal(sim.orders.count('done-margin', 'spot'), 0, 'margin orders live in their own account')

  await signed(sim.futuresUrl, 'POST', '/api/v1/orders', { ...futuresResting('done-fut'), type: 'market', price: undefined })
  t.equal((await signed(sim.futuresUrl, 'GET', '/api/v1/orders/byClientOid?clientOid=done-fut')).body.data.isActive, false)
})

t.test('HF allowMaxTimeWindow + clientTimestamp', async t => {
  const sim = await simulator(t)
  const windowed = (oid: string, clientTimestamp: number, allowMaxTimeWindow: number): Record<string, unknown> => ({ ...resting(oid), clientTimestamp, allowMaxTimeWindow })
  t.equal((await signed(sim.spotUrl, 'POST', HF, windowed('tw-ok', sim.now(), 60_000))).body.code, '200000', 'arrived in time')
  const stale = await signed(sim.spotUrl, 'POST', HF, windowed('tw-stale', sim.now() - 10_000, 5000))
  t.same([stale.status, stale.body.code], [200, '400100'])
  t.match(stale.body.msg, /allowMaxTimeWindow/)
  t.equal(sim.orders.count('tw-stale'), 0, 'a late order is not placed')

  // A late arrival is the delay fault: the window closes while the request waits.
  sim.addFault({ path: HF, method: 'POST', times: 1, action: { kind: 'delay', ms: 300 } })
  const late = await signed(sim.spotUrl, 'POST', HF, windowed('tw-late', sim.now(), 50))
  t.equal(late.body.code, '400100')
  t.equal(sim.orders.count('tw-late'), 0)
  sim.addFault({ path: HF, method: 'POST', times: 1, action: { kind: 'delay', ms: 300 } })
  t.equal((await signed(sim.spotUrl, 'POST', HF, resting('no-window'))).body.code, '200000', 'without a window a late order is placed')

  t.match((await signed(sim.spotUrl, 'POST', HF, { ...resting('tw-bad'), allowMaxTimeWindow: 100 })).body, { code: '400100', msg: /clientTimestamp/ })
  const sync = await signed(sim.spotUrl, 'POST', `${HF}/sync`, windowed('tw-sync', sim.now(), 60_000))
  t.match(sync.body.data, { clientOid: 'tw-sync', status: 'open', dealSize: '0', originSize: '0.001' })
  t.equal((await signed(sim.spotUrl, 'POST', `${HF}/sync`, windowed('tw-sync-late', sim.now() - 10_000, 10))).body.code, '400100')
  t.equal(sim.orders.count('tw-sync-late'), 0)
})

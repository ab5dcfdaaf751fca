import t from 'tap'
import { seen, startGateway } from '../helper.js'

t.test('a KuCoin clock 10 s ahead is learned at start; the first signed call succeeds', async t => {
  const gw = await startGateway(t, { simulator: { clockOffsetMs: 10_000 } })
  const offset = gw.app.kucoin.clocks.spot.state().offsetMs
  t.ok(Math.abs(offset - 10_000) < 1000, `offset learned (${offset} ms)`)
  const res = await gw.get('/spot/api/v1/accounts')
  t.equal(res.status, 200, res.text)
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 1, 'no retry was needed')
  const ready = await gw.get('/readyz')
  t.ok(Math.abs(ready.json().checks.spot.clockOffsetMs - 10_000) < 1000, '/readyz reports the offset')
})

t.test('400002 after KuCoin\'s clock jumps: resync, then one retry', async t => {
  const gw = await startGateway(t)
  t.equal((await gw.get('/spot/api/v1/accounts')).status, 200)
  gw.sim.setClockOffset(-10_000)
  gw.sim.clearRequests()
  const res = await gw.get('/spot/api/v1/accounts')
  t.equal(res.status, 200, res.text)
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 2, 'the rejected call and its retry')
  t.equal(seen(gw.sim, '/api/v1/timestamp').length, 1, 'one resync in between')
  t.ok(Math.abs(gw.app.kucoin.clocks.spot.state().offsetMs + 10_000) < 1000, 'new offset learned')
})

t.test('a 400002 that survives the resync is reported, not retried forever', async t => {
  const gw = await startGateway(t)
  gw.sim.addFault({ path: '/api/v1/accounts', action: { kind: 'code', code: '400002', msg: 'Invalid KC-API-TIMESTAMP', status: 400 } })
  const res = await gw.get('/spot/api/v1/accounts')
  t.equal(res.status, 502)
  t.match(res.json(), { type: 'urn:kgw:timestamp-rejected', code: '400002' })
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 2, 'exactly one retry')
})

t.test('concurrent 400002s share one resync', async t => {
  const gw = await startGateway(t)
  gw.sim.setClockOffset(8000)
  gw.sim.clearRequests()
  const results = await Promise.all(Array.from({ length: 5 }, () => gw.get('/spot/api/v1/accounts')))
  t.same(results.map(r => r.status), [200, 200, 200, 200, 200])
  t.ok(seen(gw.sim, '/api/v1/timestamp').length <= 2, 'resyncs coalesced')
})

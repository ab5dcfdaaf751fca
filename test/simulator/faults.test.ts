import t from 'tap'
import { request } from 'undici'
import { call, signed, simulator } from './fixtures/sim-client.js'

const LEVEL1 = '/api/v1/market/orderbook/level1'

t.test('fault injection', async t => {
  const sim = await simulator(t)
  const url = `${sim.spotUrl}${LEVEL1}?symbol=BTC-USDT`

  t.test('code: KuCoin envelope with the status of the code', async t => {
    const remove = sim.addFault({ path: LEVEL1, action: { kind: 'code', code: '500000' } })
    const reply = await call(url)
    t.equal(reply.status, 500)
    t.same(reply.body, { code: '500000', msg: 'Internal Server Error' })
    remove()
    t.equal((await call(url)).status, 200, 'the remover works')
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'code', code: '200004', msg: 'custom' } })
    const business = await call(url)
    t.equal(business.status, 200, 'business codes default to HTTP 200')
    t.same(business.body, { code: '200004', msg: 'custom' })
    t.equal((await call(url)).body.code, '200000', 'times counts down and removes the rule')
  })

  t.test('faults come before auth and only match their market and method', async t => {
    sim.addFault({ market: 'futures', method: 'get', path: /^\/api\/v1\/accounts/, times: 1, action: { kind: 'code', code: '503000' } })
    t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/accounts')).body.code, '200000', 'other host unaffected')
    const reply = await call(`${sim.futuresUrl}/api/v1/accounts-anything`)
    t.equal(reply.status, 503, 'an unsigned request to an unknown path still gets the fault')
    sim.clearRequests()
    t.equal((await call(`${sim.futuresUrl}/api/v1/accounts-anything`)).status, 404)
    t.equal(sim.requests.length, 1)
    t.equal(sim.requests[0]!.market, 'futures')
  })

  t.test('delay answers normally, later', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'delay', ms: 150 } })
    const started = Date.now()
    const reply = await call(url)
    t.equal(reply.body.code, '200000')
    t.ok(Date.now() - started >= 140)
  })

  t.test('reset destroys the socket', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'reset' } })
    await t.rejects(fetch(url))
  })

  t.test('html is a Cloudflare-like page', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'html' } })
    const res = await fetch(url)
    t.equal(res.status, 502)
    t.match(res.headers.get('content-type'), /text\/html/)
    t.match(await res.text(), /cloudflare/i)
  })

  t.test('raw sends anything', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'raw', status: 418, contentType: 'text/plain', body: 'teapot' } })
    const res = await fetch(url)
    t.equal(res.status, 418)
    t.equal(await res.text(), 'teapot')
  })

  t.test('truncate cuts the body', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'truncate' } })
    const res = await request(url)
    t.equal(res.statusCode, 200)
    await t.rejects(res.body.text())
  })

  t.test('stall never answers', async t => {
    sim.addFault({ path: LEVEL1, times: 1, action: { kind: 'stall' } })
    await t.rejects(fetch(url, { signal: AbortSignal.timeout(200) }))
  })

  t.test('requests are recorded as received', async t => {
    sim.clearRequests()
    await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders/test?x=a%2Cb', { symbol: 'BTC-USDT' })
    const [recorded] = sim.requests
    t.equal(recorded?.url, '/api/v1/hf/orders/test?x=a%2Cb')
    t.equal(recorded?.method, 'POST')
    t.equal(recorded?.body, '{"symbol":"BTC-USDT"}')
    t.equal(recorded?.headers['kc-api-key'], 'kgw-demo-key')
    t.ok(Math.abs((recorded?.at ?? 0) - sim.now()) < 1000)
  })
})

t.test('close ends stalled requests', async t => {
  const sim = await simulator(t)
  sim.addFault({ path: LEVEL1, action: { kind: 'stall' } })
  const pending = t.rejects(fetch(`${sim.spotUrl}${LEVEL1}?symbol=BTC-USDT`), 'stalled request fails')
  await new Promise(resolve => setTimeout(resolve, 50))
  sim.addFault({ path: '/x', action: { kind: 'delay', ms: 60_000 } })
  const delayed = t.rejects(fetch(`${sim.spotUrl}/x`), 'delayed request fails')
  await new Promise(resolve => setTimeout(resolve, 50))
  const started = Date.now()
  await sim.close()
  await Promise.all([pending, delayed])
  t.ok(Date.now() - started < 5000, 'close does not wait for them')
})

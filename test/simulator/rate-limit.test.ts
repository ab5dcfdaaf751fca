import t from 'tap'
import { call, signed, simulator } from './fixtures/sim-client.js'

t.test('gw-ratelimit headers count down and 429000 when exhausted', async t => {
  const sim = await simulator(t, { rateLimits: { Public: 7, Spot: 3 } })
  const url = `${sim.spotUrl}/api/v1/market/orderbook/level1?symbol=BTC-USDT` // Public, weight 2
  const first = await call(url)
  t.equal(first.headers.get('gw-ratelimit-limit'), '7')
  t.equal(first.headers.get('gw-ratelimit-remaining'), '5')
  const reset = Number(first.headers.get('gw-ratelimit-reset'))
  t.ok(reset > 0 && reset <= 30_000, 'reset is a countdown in ms')
  t.equal((await call(url)).headers.get('gw-ratelimit-remaining'), '3')
  t.equal((await call(url)).headers.get('gw-ratelimit-remaining'), '1')
  const refused = await call(url)
  t.equal(refused.status, 429)
  t.same(refused.body, { code: '429000', msg: 'Too Many Requests' })
  t.equal(refused.headers.get('gw-ratelimit-remaining'), '1', 'a refused request is not charged')
  t.ok(refused.headers.has('gw-ratelimit-reset'))

  const timestamp = await call(`${sim.spotUrl}/api/v1/status`) // weight 3 > 1 left
  t.equal(timestamp.status, 429, 'the pool is shared by all public endpoints')

  const futures = await call(`${sim.futuresUrl}/api/v1/ticker?symbol=XBTUSDTM`)
  t.equal(futures.status, 429, 'the public pool is per client IP across hosts')

  const spot = await signed(sim.spotUrl, 'GET', '/api/v1/hf/orders/active?symbol=BTC-USDT') // Spot, weight 2
  t.equal(spot.body.code, '200000', 'pools are independent')
  t.equal(spot.headers.get('gw-ratelimit-limit'), '3')
  t.equal(spot.headers.get('gw-ratelimit-remaining'), '1')
  t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/hf/orders/active?symbol=BTC-USDT')).status, 429)
})

t.test('the window resets', async t => {
  // A window long enough that a busy machine cannot let it lapse between two back-to-back calls.
  const sim = await simulator(t, { rateLimits: { Public: 2 }, rateWindowMs: 1000 })
  const url = `${sim.spotUrl}/api/v1/market/orderbook/level1?symbol=ETH-USDT`
  t.equal((await call(url)).status, 200)
  t.equal((await call(url)).status, 429)
  await new Promise(resolve => setTimeout(resolve, 1100))
  const again = await call(url)
  t.equal(again.status, 200)
  t.equal(again.headers.get('gw-ratelimit-remaining'), '0')
})

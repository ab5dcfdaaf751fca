// The rate-limit governor over real sockets, against the simulator (which
// enforces KuCoin's pools, src/simulator/rest/rate-limit.ts): calls beyond
// the budget wait or get a local 429 and never reach KuCoin to be refused,
// cancels go before reads, callers share fairly, a KuCoin 429 pauses the pool,
// and the gateway's own calls (GraphQL) are governed too.
import t from 'tap'
import { request } from 'undici'
import { seen, startGateway, type Reply } from '../helper.js'
import { gql } from '../graphql/gql.js'

const level1 = (symbol: string, tag: number | string): string => `/spot/api/v1/market/orderbook/level1?symbol=${symbol}&n=${tag}`

/** Every reply is a success or the gateway's own 429; KuCoin's 429000 never reaches a client. */
function kinds (replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of replies) {
    const key = r.status === 200 ? '200' : `${r.status} ${String(r.json().code)}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

t.test('3× a pool\'s quota at once: no KuCoin 429, the excess waits for the next window or is refused locally', async t => {
  const window = '2000'
  const gw = await startGateway(t, {
    key: 'none',
    simulator: { rateLimits: { Public: 40 }, rateWindowMs: 2000 },
    env: { KGW_RATE_LIMIT_QUOTAS: 'Public=40', KGW_RATE_LIMIT_WINDOW_MS: window, KGW_RATE_LIMIT_MAX_WAIT_MS: '3000' }
  })
  // level1 weighs 2: 60 distinct calls weigh 120, three windows' worth.
  const replies = await Promise.all(Array.from({ length: 60 }, async (_, i) => await gw.get(level1('BTC-USDT', i))))
  const counts = kinds(replies)
  t.notOk(Object.keys(counts).some(k => k.includes('429000')), `no KuCoin 429 reached a client: ${JSON.stringify(counts)}`)
  t.ok((counts['200'] ?? 0) > 20, 'more than one window\'s worth served: the excess waited')
  for (const r of replies.filter(r => r.status === 429)) {
    t.match(r.json(), { type: 'urn:kgw:rate-limited', code: 'KGW_RATE_LIMITED', retryAfterMs: Number })
    t.match(r.headers['retry-after'], /^\d+$/)
  }
  const metrics = (await gw.get('/metrics')).text
  t.match(metrics, /kgw_ratelimit_wait_seconds_count\{pool="Public",priority="public-read"\} [1-9]/, 'waits are measured')
  t.match(metrics, /kgw_ratelimit_queue_depth\{pool="Public"\} 0/)
})

t.test('after KuCoin answers 429 the pool pauses until its reset: nothing more is sent', async t => {
  const gw = await startGateway(t, { key: 'none', simulator: { rateLimits: { Public: 30 } } })
  t.equal((await gw.get(level1('BTC-USDT', 0))).status, 200)
  // Someone else on the same key (IP) spends the pool; the gateway's next call meets KuCoin's 429.
  for (let i = 0; i < 15; i++) await (await request(`${gw.sim.spotUrl}/api/v1/market/orderbook/level1?symbol=ETH-USDT`)).body.text()
  const refused = await gw.get(level1('BTC-USDT', 1))
  t.match(refused.json(), { code: '429000' }, 'KuCoin\'s own 429 passes on')
  gw.sim.clearRequests()
  const next = await Promise.all([gw.get(level1('BTC-USDT', 2)), gw.get('/futures/api/v1/ticker?symbol=XBTUSDTM')])
  for (const r of next) t.match(r.json(), { code: 'KGW_RATE_LIMITED', retryAfterMs: Number }, 'refused locally, with Retry-After')
  t.equal(gw.sim.requests.length, 0, 'KuCoin was not asked again')
})

t.test('cancels before reads: with the pool spent, a cancel goes at once from the reserve while reads wait', async t => {
  const gw = await startGateway(t, {
    simulator: { rateLimits: { Spot: 10 }, rateWindowMs: 4000 },
    env: { KGW_TRADING_ENABLED: 'true', KGW_RATE_LIMIT_QUOTAS: 'Spot=10', KGW_RATE_LIMIT_WINDOW_MS: '4000', KGW_RATE_LIMIT_MAX_WAIT_MS: '20000' }
  })
  gw.sim.clearRequests()
  // Active-order reads weigh 2 and may use 9 of 10: four go, four wait for the next window.
  const reads = Array.from({ length: 8 }, async (_, i) => await gw.get(`/spot/api/v1/hf/orders/active?symbol=BTC-USDT&n=${i}`))
  await until(() => seen(gw.sim, '/api/v1/hf/orders/active').length === 4, 'four reads sent')
  const cancel = await gw.call('DELETE', '/spot/api/v1/hf/orders/6717422bd51c29000775ea03?symbol=BTC-USDT')
  t.not(cancel.status, 429, `the cancel was not rate limited (${cancel.status})`)
  const order = gw.sim.requests.filter(r => r.url.includes('/hf/orders')).map(r => r.method)
  t.same(order, ['GET', 'GET', 'GET', 'GET', 'DELETE'], 'the cancel reached KuCoin before any waiting read')
  const all = await Promise.all(reads)
  t.same(kinds(all), { 200: 8 }, 'the waiting reads were served from the next window, none refused by KuCoin')
})

t.test('fair shares: a caller flooding the pool does not delay another caller past the next window', async t => {
  const tokens = 'flood:flood-token-0123456789:read,quiet:quiet-token-0123456789:read'
  const gw = await startGateway(t, {
    simulator: { rateLimits: { Spot: 10 }, rateWindowMs: 3000 },
    env: { KGW_TOKENS: tokens, KGW_RATE_LIMIT_QUOTAS: 'Spot=10', KGW_RATE_LIMIT_WINDOW_MS: '3000', KGW_RATE_LIMIT_MAX_WAIT_MS: '20000' }
  })
  gw.sim.clearRequests()
  const as = (token: string, symbol: string, i: number): Promise<Reply> =>
    gw.get(`/spot/api/v1/hf/orders/active?symbol=${symbol}&n=${i}`, { authorization: `Bearer ${token}` })
  const flood = Array.from({ length: 12 }, async (_, i) => await as('flood-token-0123456789', 'BTC-USDT', i))
  await until(() => seen(gw.sim, '/api/v1/hf/orders/active').length === 4, 'the flood spent the window')
  const quiet = Array.from({ length: 4 }, async (_, i) => await as('quiet-token-0123456789', 'ETH-USDT', i))
  await Promise.all(quiet)
  const order = seen(gw.sim, '/api/v1/hf/orders/active').map(r => r.url.includes('ETH-USDT') ? 'quiet' : 'flood')
  t.same(order.slice(4, 8), ['quiet', 'quiet', 'quiet', 'quiet'], 'the next window went to the caller served least, although the flood queued first')
  t.same(kinds(await Promise.all(flood)), { 200: 12 }, 'the flood is served too, later')
})

t.test('the gateway\'s own calls are governed: a GraphQL query with the pool spent gets rate-limited, KuCoin is not asked', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_RATE_LIMIT_QUOTAS: 'Public=20', KGW_RATE_LIMIT_MAX_WAIT_MS: '100' } })
  let last: Reply | undefined
  for (let i = 0; i < 20; i++) {
    last = await gw.get(level1('BTC-USDT', i))
    if (last.status === 429) break
  }
  t.match(last?.json(), { code: 'KGW_RATE_LIMITED' }, 'REST spent the local budget')
  gw.sim.clearRequests()
  const reply = await gql(gw, '{ spot { ticker(symbol: "ETH-USDT") { price } } }')
  t.match(reply.errors, [{ extensions: { type: 'urn:kgw:rate-limited' } }])
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level1').length, 0, 'no KuCoin call')
})

async function until (check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

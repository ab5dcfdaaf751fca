// The rate-limit governor over real sockets, against the simulator (which
// enforces KuCoin's pools, src/simulator/rest/rate-limit.ts): calls beyond
// the budget wait or get a local 429 and never reach KuCoin to be refused,
// cancels go before reads, callers share fairly, a KuCoin 429 pauses the pool,
// and the gateway's own calls (GraphQL, bullets) are governed too, each charged
// to its own pool: a spent Management pool never blocks Spot order placement.
import t from 'tap'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_KEY } from '../../src/simulator/index.js'
import { seen, startGateway, type Gateway, type Reply } from '../helper.js'
import { gql } from '../graphql/gql.js'
import { connect } from '../ws/ws-client.js'

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

const ORDER = '{"clientOid":"governed-1","side":"buy","symbol":"BTC-USDT","type":"limit","price":"1000","size":"0.001"}'
const BALANCES = '{ spotAccount { balances { currency balance } } }'

async function placeOrder (gw: Gateway): Promise<Reply> {
  return await gw.call('POST', '/spot/api/v1/hf/orders', { headers: { 'content-type': 'application/json' }, body: ORDER })
}

t.test('a KuCoin 429 from the Management pool (GraphQL balances) pauses Management only: Spot order placement still goes', async t => {
  const gw = await startGateway(t, {
    simulator: { rateLimits: { Management: 5 } },
    env: { KGW_TRADING_ENABLED: 'true', KGW_RATE_LIMIT_MAX_WAIT_MS: '1000' }
  })
  // Someone else on the same key (another gateway) spends KuCoin's Management pool with one balances read (weight 5).
  const other = await buildApp(loadConfig({
    KUCOIN_SPOT_URL: gw.sim.spotUrl,
    KUCOIN_FUTURES_URL: gw.sim.futuresUrl,
    KUCOIN_API_KEY: DEMO_KEY.key,
    KUCOIN_API_SECRET: DEMO_KEY.secret,
    KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
    KUCOIN_API_KEY_VERSION: String(DEMO_KEY.version)
  }), { logStream: { write: () => {} } })
  t.teardown(() => other.close())
  t.equal((await other.inject({ url: '/spot/api/v1/accounts' })).statusCode, 200, 'the other caller spent the Management pool')
  const refused = await gql(gw, BALANCES)
  t.match(refused.errors, [{ extensions: { type: 'urn:kgw:rate-limited', code: '429000' } }], 'KuCoin refused the balances read: its Management pool is spent')

  const order = await placeOrder(gw)
  t.equal(order.status, 200, `order placement (Spot pool) was not paused: ${order.text}`)
  t.equal(seen(gw.sim, '/api/v1/hf/orders').length, 1, 'the order reached KuCoin')

  gw.sim.clearRequests()
  const again = await gql(gw, BALANCES)
  t.match(again.errors, [{ message: /Management pool/, extensions: { code: 'KGW_RATE_LIMITED' } }], 'the Management pool is the one paused')
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 0, 'KuCoin was not asked again')
})

t.test('an exhausted Management budget (GraphQL balances, weight 5) does not stop Spot order placement', async t => {
  const gw = await startGateway(t, {
    simulator: { rateLimits: { Management: 6 } },
    env: { KGW_TRADING_ENABLED: 'true', KGW_RATE_LIMIT_QUOTAS: 'Management=6', KGW_RATE_LIMIT_MAX_WAIT_MS: '1000' }
  })
  t.equal((await gql(gw, BALANCES)).errors, undefined, 'the first balances read spends 5 of the 6')
  gw.sim.clearRequests()
  const refused = await gql(gw, BALANCES)
  t.match(refused.errors, [{ message: /Management pool/, extensions: { code: 'KGW_RATE_LIMITED' } }], 'the second is refused locally, from the Management pool')
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 0, 'KuCoin was not asked')

  const order = await placeOrder(gw)
  t.equal(order.status, 200, `order placement (Spot pool) still goes: ${order.text}`)
})

t.test('the feed\'s bullet token is charged its catalog weight, 10, to the Public pool', async t => {
  // KuCoin's quota is twice the gateway's: its headers never pull the gateway's count down, which shows what was charged.
  const gw = await startGateway(t, { key: 'none', simulator: { rateLimits: { Public: 2_000_000 } }, env: { KGW_RATE_LIMIT_QUOTAS: 'Public=1000000' } })
  const publicLeft = async (): Promise<number> => {
    const line = /^kgw_ratelimit_budget_remaining\{pool="Public"\} (\d+)$/m.exec((await gw.get('/metrics')).text)
    return Number(line?.[1])
  }
  const before = await publicLeft()
  t.equal(seen(gw.sim, '/api/v1/bullet-public').length, 0, 'no bullet yet')
  const socket = await connect(gw.url)
  t.teardown(() => { socket.close() })
  const topic = '/market/ticker:BTC-USDT'
  t.match(await socket.subscribe(topic), { type: 'ack' })
  // The feed connects to KuCoin's WebSocket only once its bullet call has been answered (and settled).
  await until(() => gw.sim.ws.subscriptions().some(c => c.topics.includes(topic)), 'the feed subscribed upstream')
  t.equal(seen(gw.sim, '/api/v1/bullet-public').length, 1, 'the feed asked KuCoin for one bullet')
  t.equal(before - await publicLeft(), 10, 'charged 10, not 1')
})

async function until (check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

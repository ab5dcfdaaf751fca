// What the governor charges for the gateway's own calls (client.data(): GraphQL,
// bullet tokens, server time, book snapshots): the pool and weight the catalog
// gives the endpoint, not a guess from signing. The client talks to the
// simulator over a real socket. KuCoin's quotas are twice the gateway's, so its
// gw-ratelimit-* headers never pull the gateway's count down (within a window
// the lower count wins) and each pool's remaining weight shows exactly what the
// gateway charged when it admitted the call.
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { KucoinClient } from '../../src/kucoin/client.js'
import { quotasFor } from '../../src/kucoin/governor/quotas.js'
import { DEMO_KEY, startSimulator } from '../../src/simulator/index.js'

const HUGE = 1_000_000
/** What docs/rest.md promises for an endpoint the catalog does not know. */
const UNKNOWN_WEIGHT = 20

t.test('each of the gateway\'s own calls is charged the catalog\'s pool and weight', async t => {
  const sim = await startSimulator({ rateLimits: { Spot: 2 * HUGE, Futures: 2 * HUGE, Management: 2 * HUGE, Public: 2 * HUGE } })
  t.teardown(() => sim.close())
  const config = loadConfig({
    KUCOIN_SPOT_URL: sim.spotUrl,
    KUCOIN_FUTURES_URL: sim.futuresUrl,
    KUCOIN_API_KEY: DEMO_KEY.key,
    KUCOIN_API_SECRET: DEMO_KEY.secret,
    KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
    KUCOIN_API_KEY_VERSION: String(DEMO_KEY.version),
    // Large enough that nothing waits (the reserve for cancels is a share of KuCoin's limit).
    KGW_RATE_LIMIT_QUOTAS: `Spot=${HUGE},Futures=${HUGE},Management=${HUGE},Public=${HUGE}`
  })
  const client = new KucoinClient(config)
  t.teardown(() => client.close())
  // A pool the governor has not used yet starts from its configured quota.
  const quotas = quotasFor(config.rateLimit.vipLevel, config.rateLimit.quotas)
  const remaining = (): Record<string, number> => ({ ...quotas, ...Object.fromEntries(client.governor.stats().map(s => [s.pool, s.remaining])) })

  const cases: Array<[string, () => Promise<unknown>, Record<string, number>]> = [
    ['GraphQL balances (GET /api/v1/accounts)', () => client.data('spot', 'GET', '/api/v1/accounts', { signed: true }), { Management: 5 }],
    ['spot public bullet', () => client.data('spot', 'POST', '/api/v1/bullet-public'), { Public: 10 }],
    ['spot private bullet', () => client.data('spot', 'POST', '/api/v1/bullet-private', { signed: true }), { Spot: 10 }],
    ['futures public bullet', () => client.data('futures', 'POST', '/api/v1/bullet-public'), { Public: 10 }],
    ['spot server time', () => client.data('spot', 'GET', '/api/v1/timestamp'), { Public: 3 }],
    ['futures server time', () => client.data('futures', 'GET', '/api/v1/timestamp'), { Public: 2 }],
    ['spot full book snapshot', () => client.data('spot', 'GET', '/api/v3/market/orderbook/level2', { query: 'symbol=BTC-USDT', signed: true }), { Spot: 3 }],
    ['futures book snapshot', () => client.data('futures', 'GET', '/api/v1/level2/snapshot', { query: 'symbol=XBTUSDTM' }), { Public: 3 }],
    ['an endpoint the catalog does not know: the conservative default', () => client.data('spot', 'GET', '/api/v1/not-in-the-catalog', { signed: true }), { Spot: UNKNOWN_WEIGHT }]
  ]
  for (const [what, call, expected] of cases) {
    const before = remaining()
    // Charged whether KuCoin answers or refuses (the unknown path is the simulator's 404).
    await call().catch(() => {})
    const after = remaining()
    const charged: Record<string, number> = {}
    for (const pool of Object.keys(after)) {
      if (after[pool] !== before[pool]) charged[pool] = before[pool]! - after[pool]!
    }
    t.same(charged, expected, what)
  }
})

import t from 'tap'
import { DEMO_KEY } from '../../src/simulator/index.js'
import type { SimKey } from '../../src/simulator/index.js'
import { call, signed, simulator } from './fixtures/sim-client.js'

const keys: SimKey[] = [1, 2, 3].map(version => ({
  key: `key-v${version}`,
  secret: `secret-v${version}`,
  passphrase: `pass-v${version}`,
  version: version as 1 | 2 | 3,
  permissions: ['General', 'Spot']
}))
const readOnly: SimKey = { ...DEMO_KEY, key: 'read-only', permissions: ['General'] }

t.test('signed private calls', async t => {
  const sim = await simulator(t, { keys: [...keys, readOnly, DEMO_KEY] })

  for (const key of keys) {
    const reply = await signed(sim.spotUrl, 'GET', '/api/v1/accounts?currency=USDT', undefined, { key })
    t.equal(reply.status, 200, `key version ${key.version} accepted`)
    t.equal(reply.body.code, '200000')
  }

  t.test('failures answer with KuCoin codes and statuses', async t => {
    const cases: Array<[string, Parameters<typeof signed>[4], string, number]> = [
      ['missing header', { headers: { 'KC-API-SIGN': undefined } }, '400001', 400],
      ['stale timestamp', { timestamp: Date.now() - 6000 }, '400002', 400],
      ['non-numeric timestamp', { headers: { 'KC-API-TIMESTAMP': 'yesterday' } }, '400002', 400],
      ['unknown key', { headers: { 'KC-API-KEY': 'nobody' } }, '400003', 401],
      ['wrong passphrase', { headers: { 'KC-API-PASSPHRASE': 'guess' } }, '400004', 401],
      ['plain passphrase on a v3 key', { headers: { 'KC-API-PASSPHRASE': DEMO_KEY.passphrase } }, '400004', 401],
      ['bad signature', { headers: { 'KC-API-SIGN': 'AAAA' } }, '400005', 401],
      ['key version mismatch', { headers: { 'KC-API-KEY-VERSION': '2' } }, '400009', 400],
      ['absent key version means v1', { headers: { 'KC-API-KEY-VERSION': undefined } }, '400009', 400]
    ]
    for (const [name, options, code, status] of cases) {
      const reply = await signed(sim.spotUrl, 'GET', '/api/v1/accounts', undefined, options)
      t.equal(reply.body.code, code, name)
      t.equal(reply.status, status, `${name}: HTTP ${status}`)
      t.type(reply.body.msg, 'string')
    }
  })

  t.test('permission denied', async t => {
    const reply = await signed(sim.spotUrl, 'POST', '/api/v1/hf/orders/test', { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1', size: '1' }, { key: readOnly })
    t.equal(reply.status, 403)
    t.equal(reply.body.code, '400007')
    const allowed = await signed(sim.spotUrl, 'GET', '/api/v1/accounts', undefined, { key: readOnly })
    t.equal(allowed.body.code, '200000', 'General is enough for a General endpoint')
    const futures = await signed(sim.futuresUrl, 'GET', '/api/v1/positions', undefined, { key: keys[0] })
    t.equal(futures.body.code, '400007', 'a key without Futures cannot read positions')
  })

  t.test('public endpoints ignore auth headers', async t => {
    const reply = await call(`${sim.spotUrl}/api/v1/timestamp`, { headers: { 'KC-API-KEY': 'nobody', 'KC-API-SIGN': 'junk' } })
    t.equal(reply.body.code, '200000')
  })
})

t.test('query signing: decoded vs raw', async t => {
  const strict = await simulator(t, { querySigning: 'decoded' })
  const lenient = await simulator(t)
  const path = '/api/v1/hf/fills?symbol=BTC-USDT&orderId=a%2Cb'
  for (const sim of [strict, lenient]) {
    const decoded = await signed(sim.spotUrl, 'GET', path, undefined, { signing: 'decoded' })
    t.equal(decoded.body.code, '200000', 'a signature over the decoded query always passes')
  }
  const rawStrict = await signed(strict.spotUrl, 'GET', path, undefined, { signing: 'raw' })
  t.equal(rawStrict.body.code, '400005', 'strict mode rejects a signature over %2C')
  const rawLenient = await signed(lenient.spotUrl, 'GET', path, undefined, { signing: 'raw' })
  t.equal(rawLenient.body.code, '200000', 'lenient mode accepts the query as sent')
})

t.test('timestamp window follows the simulator clock', async t => {
  const sim = await simulator(t, { clockOffsetMs: 60_000, timestampWindowMs: 2000 })
  t.ok(Math.abs(sim.now() - Date.now() - 60_000) < 1000, 'now() includes the offset')
  const local = await signed(sim.spotUrl, 'GET', '/api/v1/accounts')
  t.equal(local.body.code, '400002', 'local time is a minute behind the simulator')
  const serverTime = (await call(`${sim.spotUrl}/api/v1/timestamp`)).body.data as number
  t.ok(Math.abs(serverTime - sim.now()) < 1000, '/api/v1/timestamp reports the simulator clock')
  const corrected = await signed(sim.spotUrl, 'GET', '/api/v1/accounts', undefined, { timestamp: sim.now() })
  t.equal(corrected.body.code, '200000', 'a skew-corrected timestamp passes')
  const edge = await signed(sim.spotUrl, 'GET', '/api/v1/accounts', undefined, { timestamp: sim.now() - 2500 })
  t.equal(edge.body.code, '400002', 'outside the configured window')
  sim.setClockOffset(0)
  t.equal((await signed(sim.spotUrl, 'GET', '/api/v1/accounts')).body.code, '200000', 'setClockOffset moves the clock back')
})

// An upstream that drops the keep-alive socket after every response (with
// `Connection: close` or silently) still serves every call; and a request
// lost on the way is never sent twice when it is a write. The raw upstream
// counts what it received: that count is the witness.
import t from 'tap'
import { startHarness } from './harness.js'

const h = await startHarness(t, { KGW_SETTLE_WAIT_MS: '500', KGW_SETTLE_MAX_MS: '500' })
const LEVEL1 = '{"code":"200000","data":{"price":"67000.1"}}'
const PATH = '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const ORDER_BODY = '{"clientOid":"k-1","side":"buy","symbol":"BTC-USDT","type":"limit","price":"1","size":"0.001"}'

const calls = (prefix: string, from: number): number => h.upstream.requests.slice(from).filter(r => r.target.startsWith(prefix)).length

for (const [name, headers] of [['silently', {}], ['with Connection: close', { connection: 'close' }]] as Array<[string, Record<string, string>]>) {
  t.test(`KuCoin closes the socket after every response, ${name}`, async t => {
    h.script(() => ({ body: LEVEL1, framing: 'content-length', headers, closeAfter: true }))
    const connections = h.upstream.connections()
    for (let i = 0; i < 20; i++) {
      const res = await h.call('GET', PATH)
      t.equal(res.status, 200, `sequential call ${i}`)
      t.equal(res.text, LEVEL1)
    }
    const parallel = await Promise.all(Array.from({ length: 20 }, async () => await h.call('GET', PATH)))
    t.same(parallel.map(r => r.status), Array(20).fill(200), '20 concurrent calls all answered')
    t.ok(h.upstream.connections() - connections >= 20, `every call had a fresh connection (${h.upstream.connections() - connections})`)
  })
}

t.test('an order lost to a dropped socket is never sent again', async t => {
  h.script(req => req.target.startsWith('/api/v1/hf/orders') ? { body: '', framing: 'content-length', noAnswer: true } : { body: LEVEL1, framing: 'content-length' })
  const before = h.upstream.requests.length
  const res = await h.call('POST', '/spot/api/v1/hf/orders', { body: ORDER_BODY })
  // Its lookups are lost too, so the gateway cannot tell: unknown, never a bare transport error (src/orders/).
  t.equal(res.status, 202)
  t.match(JSON.parse(res.text), { type: 'urn:kgw:order-outcome-unknown' })
  t.equal(h.upstream.requests.slice(before).filter(r => r.method === 'POST' && r.target.startsWith('/api/v1/hf/orders')).length, 1, 'KuCoin received the order exactly once')
})

t.test('a read lost to a dropped socket goes again once, and only once', async t => {
  h.script(() => ({ body: '', framing: 'content-length', noAnswer: true }))
  const before = h.upstream.requests.length
  const res = await h.call('GET', PATH)
  t.equal(res.status, 502)
  t.match(JSON.parse(res.text), { type: 'urn:kgw:upstream-reset' })
  t.equal(calls('/api/v1/market/orderbook/level1', before), 2, 'sent twice, not more')
  let n = 0
  h.script(() => n++ === 0 ? { body: '', framing: 'content-length', noAnswer: true } : { body: LEVEL1, framing: 'content-length' })
  const again = await h.call('GET', PATH)
  t.equal(again.status, 200, 'the second attempt answers')
  t.equal(again.text, LEVEL1)
})

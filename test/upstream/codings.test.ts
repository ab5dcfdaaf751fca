// Content codings at their edges: names the gateway must accept (x-gzip, raw
// deflate), ones it cannot read, bodies that do not decode, a compressed bomb,
// and a Cloudflare Retry-After given as a date. Each answer is scripted raw.
import t from 'tap'
import zlib from 'node:zlib'
import { startHarness } from './harness.js'

const h = await startHarness(t, { KGW_UPSTREAM_MAX_BUFFERED_BYTES: String(1024 * 1024) })
const PATH = '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const LEVEL1 = '{"code":"200000","data":{"price":"67000.1"}}'

t.test('x-gzip and raw deflate are read like gzip and deflate', async t => {
  for (const [name, coded] of [['x-gzip', zlib.gzipSync(LEVEL1)], ['deflate', zlib.deflateRawSync(LEVEL1)]] as const) {
    h.script(() => ({ body: coded, framing: 'chunked', headers: { 'content-encoding': name } }))
    const res = await h.call('GET', PATH)
    t.equal(res.status, 200, name)
    t.equal(res.text, LEVEL1, `${name}: decoded for a client that asked for nothing`)
  }
})

t.test('a coding the gateway cannot read is a typed 502', async t => {
  h.script(() => ({ body: 'whatever', framing: 'content-length', headers: { 'content-encoding': 'zstd' } }))
  const res = await h.call('GET', PATH)
  t.equal(res.status, 502)
  t.match(JSON.parse(res.text), { type: 'urn:kgw:upstream-bad-response', detail: /zstd/ })
})

t.test('a body that does not decode is a typed 502, small or large', async t => {
  for (const size of [100, 200_000]) {
    const junk = Buffer.alloc(size, 0x41)
    h.script(() => ({ body: junk, framing: 'chunked', headers: { 'content-encoding': 'gzip' } }))
    const res = await h.call('GET', PATH)
    t.equal(res.status, 502, `${size} bytes`)
    t.match(JSON.parse(res.text), { type: 'urn:kgw:upstream-bad-response' }, `${size} bytes`)
  }
})

t.test('a compressed bomb is refused, not inflated', async t => {
  // 20 MB of JSON in ~20 KB of gzip: under the 64 KiB read whole, over the 1 MiB decoded cap.
  const bomb = zlib.gzipSync(`{"code":"200000","data":"${'0'.repeat(20 * 1024 * 1024)}"}`)
  t.ok(bomb.length < 64 * 1024, `${bomb.length} bytes on the wire`)
  h.script(() => ({ body: bomb, framing: 'chunked', headers: { 'content-encoding': 'gzip' } }))
  const res = await h.call('GET', PATH)
  t.equal(res.status, 502)
  t.match(JSON.parse(res.text), { type: 'urn:kgw:upstream-bad-response', detail: /KGW_UPSTREAM_MAX_BUFFERED_BYTES/ })
})

t.test('a Cloudflare 1015 page with Retry-After as a date', async t => {
  const at = new Date(Date.now() + 120_000).toUTCString()
  h.script(() => ({ status: 429, body: 'error code: 1015', framing: 'chunked', headers: { 'content-type': 'text/plain', 'retry-after': at } }))
  const res = await h.call('GET', PATH)
  t.equal(res.status, 429)
  const wait = Number(res.headers['retry-after'])
  t.ok(wait > 60 && wait <= 121, `Retry-After ≈ 120 s (got ${wait})`)
  t.match(JSON.parse(res.text), { type: 'urn:kgw:rate-limited', code: '1015' })
})

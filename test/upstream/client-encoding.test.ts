// What each client gets when KuCoin answers in a content coding: a coding the
// client accepts (KuCoin's own bytes when it can, never encoded twice),
// identity for a client that asks for nothing, and a large success that
// streams (large-stream.test.ts). The client decodes with node:zlib.
import t from 'tap'
import { startHarness } from './harness.js'
import { encode, type Encoding } from './raw-upstream.js'
import { LARGE } from './conformance-rows.js'

const h = await startHarness(t, { KGW_UPSTREAM_ACCEPT_ENCODING: 'gzip, deflate, br' })
const LEVEL1 = '{"code":"200000","data":{"time":1729000000000,"sequence":"1","price":"67000.1","size":"0.01","bestBid":"67000","bestBidSize":"1","bestAsk":"67000.2","bestAskSize":"2"}}'
const UPSTREAM: Encoding[] = ['identity', 'gzip', 'deflate', 'br']

/** A client's Accept-Encoding, what it allows, and its favourite when it refuses identity (RFC 9110 §12.5.3). */
const CLIENTS: Array<{ accept: string | undefined, allows: Encoding[], favourite?: Encoding }> = [
  { accept: undefined, allows: ['identity'] },
  { accept: 'gzip', allows: ['gzip', 'identity'] },
  { accept: 'br', allows: ['br', 'identity'] },
  { accept: 'deflate', allows: ['deflate', 'identity'] },
  { accept: 'gzip, deflate, br', allows: ['gzip', 'deflate', 'br', 'identity'] },
  { accept: 'br;q=1, gzip;q=0.5', allows: ['br', 'gzip', 'identity'] },
  { accept: '*', allows: ['gzip', 'deflate', 'br', 'identity'] },
  { accept: 'identity;q=0, gzip', allows: ['gzip'], favourite: 'gzip' },
  { accept: 'br, *;q=0', allows: ['br'], favourite: 'br' },
  { accept: 'gzip;q=0', allows: ['identity'] }
]

/** KuCoin's coding when the client allows it (free), else identity, else the client's favourite. */
function expected (upstream: Encoding, allows: Encoding[], favourite: Encoding | undefined): Encoding {
  if (allows.includes(upstream)) return upstream
  if (allows.includes('identity')) return 'identity'
  return favourite!
}

for (const [name, body] of [['small', LEVEL1], ['large (streamed)', LARGE]] as const) {
  t.test(`${name} success: each client gets a coding it accepts`, async t => {
    for (const upstream of UPSTREAM) {
      h.script(() => ({ body, framing: 'chunked', encoding: upstream }))
      for (const client of CLIENTS) {
        const label = `KuCoin ${upstream}, client ${client.accept ?? '(none)'}`
        const res = await h.call('GET', '/spot/api/v2/symbols', { headers: client.accept === undefined ? {} : { 'accept-encoding': client.accept } })
        const want = expected(upstream, client.allows, client.favourite)
        t.equal(res.status, 200, `${label}: 200`)
        t.equal(res.headers['content-encoding'] ?? 'identity', want, `${label}: answered in ${want}`)
        t.ok(res.text === body, `${label}: decodes once to KuCoin's body (not encoded twice)`)
        t.match(res.headers.vary, /accept-encoding/i, `${label}: Vary: Accept-Encoding`)
        const length = res.headers['content-length']
        if (length !== undefined) t.equal(Number(length), res.raw.length, `${label}: Content-Length is the bytes sent`)
        if (want === upstream && upstream !== 'identity') t.ok(res.raw.equals(encode(Buffer.from(body), upstream)), `${label}: KuCoin's bytes as sent`)
      }
    }
  })
}

t.test('the gateway\'s own calls decode too (server time, gzip and br, 1-byte chunks)', async t => {
  for (const encoding of ['gzip', 'br'] as const) {
    // The harness answers /api/v1/timestamp itself; this clock reads a path it scripts.
    h.script(() => ({ body: `{"code":"200000","data":${Date.now() + 7000}}`, framing: 'chunked', encoding, split: 1 }))
    const time = await h.app.kucoin.data<number>('spot', 'GET', '/api/v1/market/histories-time')
    t.ok(Math.abs(time - Date.now() - 7000) < 5000, `${encoding}: server time read from a coded, split body`)
  }
})

// A 20 MB success streams through the gateway, never held whole: KuCoin holds
// back the second half of its body until the client has received bytes, so a
// gateway that buffered would never answer before KuCoin's guard gives up.
// Each way a coding can go: passed as sent, decoded on the fly, encoded on the fly.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { request } from 'undici'
import { decodeBody, startHarness } from './harness.js'
import { encode, type Encoding } from './raw-upstream.js'

const h = await startHarness(t, { KGW_UPSTREAM_ACCEPT_ENCODING: 'gzip' })
const body = `{"code":"200000","data":[${Array.from({ length: 470_000 }, (_, i) => `{"symbol":"S${i}-USDT","n":"${(i * 2654435761 >>> 0).toString(36)}${i.toString(36)}"}`).join(',')}]}`
t.ok(body.length >= 20_000_000, `a 20 MB body (${body.length} bytes)`)

/** Reads a 20 MB success while KuCoin holds back its end: bytes must reach the client before KuCoin finishes. */
async function streamsThrough (t: Test, upstream: Encoding, accept: string | undefined): Promise<void> {
  const wire = encode(Buffer.from(body), upstream)
  let release!: () => void
  let released = false
  const held = new Promise<void>(resolve => { release = () => { released = true; resolve() } })
  // Only a guard for a gateway that buffers (the test then fails); normally the client's first bytes release it.
  const guard = setTimeout(release, 30_000)
  let bytesWhileHeld = false
  h.script(() => ({ body, framing: 'chunked', encoding: upstream, hold: { at: wire.length >> 1, until: held } }))
  const res = await request(`${h.base}/spot/api/v2/symbols`, { headers: accept === undefined ? {} : { 'accept-encoding': accept } })
  const chunks: Buffer[] = []
  for await (const chunk of res.body) {
    chunks.push(chunk as Buffer)
    if (!released) { bytesWhileHeld = true; release() }
  }
  clearTimeout(guard)
  const raw = Buffer.concat(chunks)
  const encoding = res.headers['content-encoding']
  const text = decodeBody(raw, typeof encoding === 'string' ? encoding : undefined)
  t.ok(bytesWhileHeld, 'the client had bytes while KuCoin was still holding the second half')
  t.equal(res.headers['content-length'], undefined, 'streamed: no Content-Length')
  t.equal(createHash('sha256').update(text).digest('hex'), createHash('sha256').update(body).digest('hex'), `all ${body.length} bytes, decoded once`)
}

t.test('a large success streams: KuCoin gzip, client gzip (passed as sent)', async t => { await streamsThrough(t, 'gzip', 'gzip') })
t.test('a large success streams: KuCoin gzip, client identity (decoded on the fly)', async t => { await streamsThrough(t, 'gzip', undefined) })
t.test('a large success streams: KuCoin identity, client br-only (encoded on the fly)', async t => { await streamsThrough(t, 'identity', 'br, identity;q=0') })

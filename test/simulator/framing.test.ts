// The simulator frames REST answers as KuCoin's CDN does: chunked with no
// Content-Length by default, gzip when asked; `framing: 'content-length'`
// selects the other framing. Read with node:http, which decodes nothing.
import { request } from 'node:http'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { simulator } from './fixtures/sim-client.js'

interface Raw { status: number, headers: Record<string, string | string[] | undefined>, chunks: Buffer[] }

function raw (url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }))
      res.on('error', reject)
    }).on('error', reject).end()
  })
}

t.test('chunked by default, the envelope code split across chunks', async t => {
  const sim = await simulator(t)
  const res = await raw(`${sim.spotUrl}/api/v1/timestamp`)
  t.equal(res.headers['transfer-encoding'], 'chunked')
  t.equal(res.headers['content-length'], undefined)
  t.equal(res.headers['content-encoding'], undefined, 'no gzip unless asked')
  t.ok(res.chunks.length >= 2, `${res.chunks.length} chunks`)
  t.notMatch(res.chunks[0]!.toString(), /"code":"\d{6}"/, 'the first chunk ends inside the code')
  t.match(JSON.parse(Buffer.concat(res.chunks).toString()), { code: '200000', data: Number })
  const error = await raw(`${sim.spotUrl}/api/v1/no-such-thing`)
  t.equal(error.headers['transfer-encoding'], 'chunked', 'errors too')
  t.match(JSON.parse(Buffer.concat(error.chunks).toString()), { code: '404000' })
})

t.test('gzip when Accept-Encoding admits it, in either framing', async t => {
  for (const framing of ['chunked', 'content-length'] as const) {
    const sim = await simulator(t, { framing })
    for (const accept of ['gzip', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5', '*']) {
      const res = await raw(`${sim.spotUrl}/api/v2/symbols`, { 'accept-encoding': accept })
      t.equal(res.headers['content-encoding'], 'gzip', `${framing}, ${accept}`)
      const body = JSON.parse(gunzipSync(Buffer.concat(res.chunks)).toString()) as { code: string, data: unknown[] }
      t.equal(body.code, '200000')
      t.ok(body.data.length > 0)
    }
    for (const accept of ['identity', 'gzip;q=0', 'br']) {
      const res = await raw(`${sim.spotUrl}/api/v1/timestamp`, { 'accept-encoding': accept })
      t.equal(res.headers['content-encoding'], undefined, `${framing}, ${accept}: plain`)
    }
  }
})

t.test("framing: 'content-length' sends Content-Length and no chunks", async t => {
  const sim = await simulator(t, { framing: 'content-length' })
  const res = await raw(`${sim.spotUrl}/api/v1/timestamp`)
  const body = Buffer.concat(res.chunks)
  t.equal(res.headers['transfer-encoding'], undefined)
  t.equal(res.headers['content-length'], String(body.length))
  t.match(JSON.parse(body.toString()), { code: '200000' })
})

t.test('a truncated answer is cut in the framing in use', async t => {
  for (const framing of ['chunked', 'content-length'] as const) {
    const sim = await simulator(t, { framing })
    sim.addFault({ path: '/api/v1/timestamp', action: { kind: 'truncate' } })
    const error = await raw(`${sim.spotUrl}/api/v1/timestamp`).then(() => undefined, (e: Error) => e)
    t.ok(error, `${framing}: the client sees the cut`)
  }
})

// The upstream conformance matrix: every row of conformance-rows.ts through
// every HTTP framing × content coding × chunk split, over real sockets,
// against the raw scripted upstream (not the simulator, which shares the
// gateway's assumptions). The client sends no Accept-Encoding, so it must get
// identity whatever KuCoin sent; client-encoding.test.ts covers the rest.
// One test file per framing (conformance-*.test.ts), so each stays short.
import type { Test } from 'tap'
import { encode, type Encoding, type Framing, type RawRequest, type RawResponse } from './raw-upstream.js'
import { startHarness, type Harness } from './harness.js'
import { ROWS, type Row, type Scripted } from './conformance-rows.js'

export const ENCODINGS: Encoding[] = ['identity', 'gzip', 'deflate', 'br']
type Split = 'whole' | 'bytes' | 'in-code'
const SPLITS: Split[] = ['whole', 'bytes', 'in-code']

/**
 * Where the body's writes end. `in-code` cuts inside the envelope's code: in
 * the value itself for identity; for a coded body, inside its first bytes,
 * which carry the start of the text.
 */
function splitting (split: Split, scripted: Scripted, encoding: Encoding): Pick<RawResponse, 'split' | 'splitAt'> {
  if (split === 'bytes') return { split: 1 }
  if (split === 'whole') return {}
  if (encoding !== 'identity') return { splitAt: [3, 11, 19, 30] }
  const at = scripted.body.indexOf('"code"')
  return { splitAt: at === -1 ? [scripted.body.length >> 1] : [at + 3, at + 9, at + 12] }
}

let cases = 0

async function runCase (t: Test, h: Harness, row: Row, framing: Framing, encoding: Encoding, split: Split): Promise<void> {
  const name = `${framing} × ${encoding} × ${split}`
  const before = h.upstream.requests.length
  let n = 0
  h.script((_req: RawRequest) => {
    const scripted = row.answers[Math.min(n++, row.answers.length - 1)]!
    return { status: scripted.status, headers: scripted.headers, body: scripted.body, framing, encoding, ...splitting(split, scripted, encoding) }
  })
  // Every placement case is a new order: its own Idempotency-Key (src/orders/), or it would be a replay.
  const headers = row.method === 'POST' ? { 'idempotency-key': `conformance-${++cases}` } : undefined
  const res = await h.call(row.method ?? 'GET', row.path, { body: row.body, headers })
  t.equal(res.status, row.expect.status, `${name}: status`)
  t.equal(res.headers['content-encoding'], undefined, `${name}: identity for a client that asked for none`)
  const length = res.headers['content-length']
  if (length !== undefined) t.equal(Number(length), res.raw.length, `${name}: Content-Length is the bytes sent`)
  if (row.expect.body !== undefined) t.ok(res.text === row.expect.body, `${name}: body byte for byte (${res.text.length} of ${row.expect.body.length} chars)`)
  if (row.expect.problem !== undefined) {
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: problem+json`)
    let problem: unknown
    try { problem = JSON.parse(res.text) } catch { problem = res.text }
    t.match(problem, row.expect.problem, `${name}: problem`)
  }
  for (const [header, value] of Object.entries(row.expect.headers ?? {})) {
    if (typeof value === 'string') t.equal(res.headers[header], value, `${name}: ${header}`)
    else t.match(res.headers[header], value, `${name}: ${header}`)
  }
  const wrong = row.saw?.(h.upstream.requests.slice(before))
  t.equal(wrong, undefined, `${name}: what KuCoin saw`)
  // A scripted 429 pauses the pool (the governor, docs/rest.md); the next case starts afresh.
  h.app.kucoin.governor.forget()
}

/** Every row through `framing` × every coding × every split. */
export async function runMatrix (t: Test, framing: Framing): Promise<void> {
  const h = await startHarness(t, { KGW_UPSTREAM_ACCEPT_ENCODING: 'gzip, deflate, br' })
  for (const row of ROWS) {
    t.test(row.name, async t => {
      for (const encoding of ENCODINGS) {
        for (const split of SPLITS) {
          if (row.large === true && split === 'bytes') continue
          await runCase(t, h, row, framing, encoding, split)
        }
      }
    })
  }

  t.test('the gateway asks KuCoin for the configured codings', async t => {
    const seen = h.upstream.requests.filter(r => !r.target.startsWith('/api/v1/timestamp'))
    t.ok(seen.length > 0)
    t.ok(seen.every(r => r.headers['accept-encoding'] === 'gzip, deflate, br'), 'every call asked for gzip, deflate, br')
  })

  t.test('the scripted bodies really are coded (so ignoring Content-Encoding would fail the rows)', async t => {
    const body = Buffer.from(ROWS[0]!.answers[0]!.body)
    for (const encoding of ENCODINGS.slice(1)) t.not(encode(body, encoding).toString('latin1'), body.toString('latin1'), encoding)
  })
}

// Checks KuCoin's `{"code":"200000",...}` envelope without holding a large
// body. The body is read through one async iterator and nothing is ever put
// back: chunks read to decide are kept in an array and, when the body is too
// large to buffer, re-emitted ahead of the rest of the same iterator. That
// holds for every valid framing (Content-Length, chunked, close-delimited)
// and any chunk split, down to one byte per chunk.
//
// - A body that ends within SMALL_BODY_BYTES is buffered and parsed: a
//   success that is truncated or not JSON is a typed 502, never a 200.
// - A larger body whose first bytes carry a success code streams through; a
//   cut after the status line is passed on as a cut.
// - Anything else (errors, an envelope with `code` elsewhere) is read whole,
//   up to maxBuffered, and parsed.
// - Content codings (gzip, deflate, br): sizes above count KuCoin's encoded
//   bytes; what is checked is always the decoded text, and a success keeps
//   KuCoin's encoded bytes so a client that accepts them gets them as sent.
// - A body that is not JSON at all is an error page (Cloudflare's among them)
//   and becomes the typed error it stands for (errors.ts, pageError).
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import type { Market } from './catalog.js'
import { GatewayError } from '../errors.js'
import { codingOf, decodePrefix, decodeSync, recode, type Coding } from './content-encoding.js'
import { envelopeError, isSuccessCode, pageError } from './errors.js'

export interface EnvelopeResponse {
  status: number
  headers: Record<string, string>
  /** The code KuCoin answered with (a success code). */
  code: string
  /** The content coding of `body`, as KuCoin sent it. */
  coding: Coding
  /** KuCoin's body bytes, still in `coding`: a buffer when read whole, else the stream of the rest. */
  body: Buffer | Readable
  /** The decoded body when it was read whole (the same buffer when `coding` is identity). */
  decoded: Buffer | undefined
  /** The envelope's `data`, when the body was read whole and parsed to check it (the gateway's own reads reuse it). */
  data?: { value: unknown }
}

/** Bodies that end within this size are buffered and checked whole; larger ones stream. */
export const SMALL_BODY_BYTES = 64 * 1024

/** Enough of a body's start to find a leading `"code":"…"` behind any whitespace. */
const HEAD_BYTES = 64

/** Encoded bytes decoded first to find the leading code: far more than 64 decoded bytes take. */
const PREFIX_BYTES = 1024

/** The most a decoded head may expand to before it is given up on (a bomb). */
const PREFIX_LIMIT = 4 * 1024 * 1024

const LEADING_CODE = /^\s*\{\s*"code"\s*:\s*"(\d+)"/

/** The envelope code when the body starts with it, else undefined. */
export function leadingCode (head: Buffer): string | undefined {
  return LEADING_CODE.exec(head.toString('latin1', 0, Math.min(head.length, HEAD_BYTES)))?.[1]
}

/** The leading code of an encoded body's start: from its first KiB, else from all of it that was read. */
function headCode (coding: Coding, start: Buffer): string | undefined {
  if (coding === 'identity') return leadingCode(start)
  return leadingCode(decodePrefix(coding, start.subarray(0, PREFIX_BYTES), PREFIX_LIMIT)) ??
    (start.length > PREFIX_BYTES ? leadingCode(decodePrefix(coding, start, PREFIX_LIMIT)) : undefined)
}

function isJson (contentType: string): boolean {
  return /[/+]json\b/i.test(contentType)
}

type Chunks = AsyncIterator<Buffer>

/** The chunks read so far and whether the body has ended. */
interface Taken { chunks: Buffer[], size: number, ended: boolean }

/** Reads from `it` until `size` reaches `atLeast` or the body ends. */
async function take (it: Chunks, taken: Taken, atLeast: number): Promise<Taken> {
  while (!taken.ended && taken.size < atLeast) {
    const next = await it.next()
    if (next.done === true) taken.ended = true
    else {
      taken.chunks.push(next.value)
      taken.size += next.value.length
    }
  }
  return taken
}

/** The chunks already read, then the rest of the same iterator: no byte is read twice or lost. */
function rejoin (taken: Taken, it: Chunks): Readable {
  async function * all (): AsyncGenerator<Buffer> {
    try {
      yield * taken.chunks
      taken.chunks = []
      for (let next = await it.next(); next.done !== true; next = await it.next()) yield next.value
    } finally {
      await it.return?.()
    }
  }
  return Readable.from(all(), { objectMode: false })
}

function parseEnvelope (body: Buffer): { code: string, msg: string, data: unknown } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown
    if (parsed === null || typeof parsed !== 'object' || !('code' in parsed)) return undefined
    const { code, msg, data } = parsed as { code: unknown, msg?: unknown, data?: unknown }
    if (typeof code !== 'string' && typeof code !== 'number') return undefined
    return { code: String(code), msg: typeof msg === 'string' ? msg : '', data }
  } catch {
    return undefined
  }
}

/** What the caller knows of the answer before its body. */
export interface UpstreamHead {
  market: Market
  status: number
  /** The headers worth passing on (pickResponseHeaders). */
  headers: Record<string, string>
  coding: Coding
}

/** A whole decoded body: a success passes on (as KuCoin's bytes), anything else is the error it stands for. */
function judgeWhole (head: UpstreamHead, raw: Buffer, decoded: Buffer): EnvelopeResponse {
  const { market, status, headers } = head
  const envelope = parseEnvelope(decoded)
  if (!envelope) {
    throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin answered HTTP ${status} with a JSON body that is truncated or invalid (${decoded.length} bytes${head.coding === 'identity' ? '' : ` decoded from ${head.coding}`})` })
  }
  if (isSuccessCode(envelope.code)) return { status, headers, code: envelope.code, coding: head.coding, body: raw, decoded, data: { value: envelope.data } }
  throw envelopeError(market, status, envelope.code, envelope.msg, headers)
}

/** Decodes a whole body, mapping a bad or oversized encoding to a typed 502. */
function decodeWhole (head: UpstreamHead, raw: Buffer, limit: number): Buffer {
  try {
    return decodeSync(head.coding, raw, limit)
  } catch (error) {
    const detail = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE'
      ? `KuCoin's ${head.coding} body decodes to over ${limit} bytes (KGW_UPSTREAM_MAX_BUFFERED_BYTES)`
      : `KuCoin's body is not valid ${head.coding} (HTTP ${head.status}, ${raw.length} bytes)`
    throw new GatewayError('upstream-bad-response', { market: head.market, headers: head.headers, detail, cause: error })
  }
}

/** Upstream headers clients see: the body's type, KuCoin's rate-limit state, and Retry-After. */
export function pickResponseHeaders (incoming: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(incoming)) {
    if (typeof value === 'string' && (name === 'content-type' || name === 'retry-after' || name.startsWith('gw-ratelimit-'))) headers[name] = value
  }
  return headers
}

/**
 * Turns an upstream answer into a pass-through success, or throws the
 * GatewayError it stands for. The body is read in its content coding: a
 * small one is decoded whole and checked; a large one is checked by its
 * decoded head and passed on still encoded. The caller destroys `body` if
 * this throws.
 */
export async function readEnvelope (
  market: Market, status: number, incoming: IncomingHttpHeaders, body: AsyncIterable<Buffer>, maxBuffered: number
): Promise<EnvelopeResponse> {
  const headers = pickResponseHeaders(incoming)
  const it = body[Symbol.asyncIterator]()
  const contentEncoding = incoming['content-encoding']
  const coding = codingOf(Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding)
  if (coding === undefined) {
    await take(it, { chunks: [], size: 0, ended: false }, SMALL_BODY_BYTES)
    throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin answered HTTP ${status} in a content coding the gateway cannot read (${String(contentEncoding)})` })
  }
  const head: UpstreamHead = { market, status, headers, coding }
  const taken = await take(it, { chunks: [], size: 0, ended: false }, SMALL_BODY_BYTES + 1)
  const contentType = headers['content-type'] ?? ''
  if (!isJson(contentType)) {
    // An error page (Cloudflare's among them): small, read to say which one it is.
    const page = decodePrefix(coding, Buffer.concat(taken.chunks, taken.size), SMALL_BODY_BYTES)
    throw pageError(market, status, contentType, headers, page.toString('utf8'))
  }
  if (taken.ended) {
    const raw = Buffer.concat(taken.chunks, taken.size)
    return judgeWhole(head, raw, decodeWhole(head, raw, maxBuffered))
  }
  const code = headCode(coding, Buffer.concat(taken.chunks, taken.size))
  if (code !== undefined && isSuccessCode(code)) {
    return { status, headers, code, coding, body: rejoin(taken, it), decoded: undefined }
  }
  // No leading success code: read it whole (decoded, up to maxBuffered) and parse it.
  const decodedIt = recode(rejoin(taken, it), coding, 'identity')[Symbol.asyncIterator]() as Chunks
  const whole = await take(decodedIt, { chunks: [], size: 0, ended: false }, maxBuffered + 1)
  if (!whole.ended) {
    await decodedIt.return?.()
    throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin body over ${maxBuffered} bytes without a leading envelope code` })
  }
  const decoded = Buffer.concat(whole.chunks, whole.size)
  return judgeWhole({ ...head, coding: 'identity' }, decoded, decoded)
}

/** The whole decoded body of a success, refusing more than `limit` decoded bytes. */
export async function collectBody (market: Market, res: EnvelopeResponse, limit: number): Promise<Buffer> {
  if (res.decoded) return res.decoded
  const body = recode(res.body, res.coding, 'identity')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > limit) {
      body.destroy()
      throw new GatewayError('upstream-bad-response', { market, detail: `KuCoin answer over ${limit} bytes (KGW_UPSTREAM_MAX_BUFFERED_BYTES)` })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks, size)
}

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
import { Readable } from 'node:stream'
import type { Market } from './catalog.js'
import { GatewayError } from '../errors.js'
import { badBodyError, envelopeError, isSuccessCode } from './errors.js'

export interface EnvelopeResponse {
  status: number
  headers: Record<string, string>
  /** The code KuCoin answered with (a success code). */
  code: string
  body: Buffer | Readable
}

/** Bodies that end within this size are buffered and checked whole; larger ones stream. */
export const SMALL_BODY_BYTES = 64 * 1024

/** Enough of a body's start to find a leading `"code":"…"` behind any whitespace. */
const HEAD_BYTES = 64

const LEADING_CODE = /^\s*\{\s*"code"\s*:\s*"(\d+)"/

/** The envelope code when the body starts with it, else undefined. */
export function leadingCode (head: Buffer): string | undefined {
  return LEADING_CODE.exec(head.toString('latin1', 0, Math.min(head.length, HEAD_BYTES)))?.[1]
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

function parseEnvelope (body: Buffer): { code: string, msg: string } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown
    if (parsed === null || typeof parsed !== 'object' || !('code' in parsed)) return undefined
    const { code, msg } = parsed as { code: unknown, msg?: unknown }
    if (typeof code !== 'string' && typeof code !== 'number') return undefined
    return { code: String(code), msg: typeof msg === 'string' ? msg : '' }
  } catch {
    return undefined
  }
}

/** A whole body: a success passes on as these bytes, anything else is the error it stands for. */
function judgeWhole (market: Market, status: number, headers: Record<string, string>, whole: Buffer): EnvelopeResponse {
  const envelope = parseEnvelope(whole)
  if (!envelope) {
    throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin answered HTTP ${status} with a JSON body that is truncated or invalid (${whole.length} bytes)` })
  }
  if (isSuccessCode(envelope.code)) return { status, headers, code: envelope.code, body: whole }
  throw envelopeError(market, status, envelope.code, envelope.msg, headers)
}

/**
 * Turns an upstream response body (already decoded) into a pass-through
 * success, or throws the GatewayError it stands for. `headers` are the ones
 * worth passing on. The caller destroys `body` if this throws.
 */
export async function readEnvelope (
  market: Market, status: number, headers: Record<string, string>, body: AsyncIterable<Buffer>, maxBuffered: number
): Promise<EnvelopeResponse> {
  const it = body[Symbol.asyncIterator]()
  const contentType = headers['content-type'] ?? ''
  if (!isJson(contentType)) {
    // Read a little of it (an error page is small) so the connection can be reused.
    await take(it, { chunks: [], size: 0, ended: false }, SMALL_BODY_BYTES)
    throw badBodyError(market, status, contentType, headers)
  }
  const taken = await take(it, { chunks: [], size: 0, ended: false }, HEAD_BYTES)
  if (taken.ended) return judgeWhole(market, status, headers, Buffer.concat(taken.chunks, taken.size))
  const code = leadingCode(Buffer.concat(taken.chunks, taken.size))
  if (code !== undefined && isSuccessCode(code)) {
    await take(it, taken, SMALL_BODY_BYTES + 1)
    if (taken.ended) return judgeWhole(market, status, headers, Buffer.concat(taken.chunks, taken.size))
    return { status, headers, code, body: rejoin(taken, it) }
  }
  await take(it, taken, maxBuffered + 1)
  if (!taken.ended) {
    throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin body over ${maxBuffered} bytes without a leading envelope code` })
  }
  return judgeWhole(market, status, headers, Buffer.concat(taken.chunks, taken.size))
}

/** The whole of a success body, refusing more than `limit` bytes. */
export async function collectBody (market: Market, body: Buffer | Readable, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body
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

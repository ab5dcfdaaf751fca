// Checks KuCoin's `{"code":"200000",...}` envelope without parsing a large
// body. KuCoin writes `code` first, so the first chunk normally decides: a
// success streams through untouched, anything else (small error bodies, or an
// envelope with `code` elsewhere) is read whole and parsed.
import type { Readable } from 'node:stream'
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

/** Bodies up to this size are buffered; larger ones stream. */
const SMALL_BODY_BYTES = 64 * 1024

const LEADING_CODE = /^\s*\{\s*"code"\s*:\s*"(\d+)"/

/** The envelope code when the body starts with it, else undefined. */
export function leadingCode (chunk: Buffer): string | undefined {
  return LEADING_CODE.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 64)))?.[1]
}

function isJson (contentType: string): boolean {
  return /[/+]json\b/i.test(contentType)
}

/** Resolves with whatever is buffered once the stream has data, or null at its end. */
function firstChunk (stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const done = (result: Buffer | null, error?: Error): void => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', onError)
      if (error) reject(error)
      else resolve(result)
    }
    const onReadable = (): void => {
      const chunk = stream.read() as Buffer | null
      if (chunk !== null) done(chunk)
    }
    const onEnd = (): void => done(null)
    const onError = (error: Error): void => done(null, error)
    stream.on('readable', onReadable).once('end', onEnd).once('error', onError)
  })
}

async function readRest (stream: Readable, first: Buffer | null, limit: number): Promise<Buffer | undefined> {
  const chunks = first ? [first] : []
  let size = first?.length ?? 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > limit) {
      stream.destroy()
      return undefined
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks, size)
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

/**
 * Turns an upstream response into a pass-through success, or throws the
 * GatewayError it stands for. `headers` are the ones worth passing on.
 */
export async function readEnvelope (
  market: Market, status: number, headers: Record<string, string>, body: Readable, contentLength: number | undefined, maxBuffered: number
): Promise<EnvelopeResponse> {
  const contentType = headers['content-type'] ?? ''
  if (!isJson(contentType)) {
    // Read a little of it (an error page is small) so the connection can be reused.
    await readRest(body, null, 64 * 1024)
    throw badBodyError(market, status, contentType, headers)
  }
  const first = await firstChunk(body)
  const code = first ? leadingCode(first) : undefined
  if (first && code !== undefined && isSuccessCode(code)) {
    if (contentLength === first.length) {
      body.resume() // drain the end so the connection goes back to the pool
      return { status, headers, code, body: first }
    }
    // A small body is read whole before answering, so a cut-off one is still a
    // clean 502; a large one streams, and a cut is passed on as a cut.
    if (contentLength !== undefined && contentLength <= SMALL_BODY_BYTES) {
      return { status, headers, code, body: (await readRest(body, first, contentLength))! }
    }
    body.unshift(first)
    return { status, headers, code, body }
  }
  const whole = await readRest(body, first, maxBuffered)
  if (!whole) throw new GatewayError('upstream-bad-response', { market, headers, detail: `KuCoin body over ${maxBuffered} bytes without a leading envelope code` })
  const envelope = parseEnvelope(whole)
  if (!envelope) throw badBodyError(market, status, contentType, headers)
  if (isSuccessCode(envelope.code)) return { status, headers, code: envelope.code, body: whole }
  throw envelopeError(market, status, envelope.code, envelope.msg, headers)
}

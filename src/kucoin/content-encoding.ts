// The content codings KuCoin may answer in (gzip, deflate, br) and how the
// gateway reads them: whole bodies and body heads are decoded synchronously
// with a size cap (a small body is cheaper to decode in place than through the
// thread pool); long bodies through node:zlib streams.
import { Readable, Transform, pipeline } from 'node:stream'
import zlib from 'node:zlib'

export type Coding = 'identity' | 'gzip' | 'deflate' | 'br'

/** The codings the gateway can decode and produce, besides identity. */
export const CODINGS: readonly Coding[] = ['gzip', 'deflate', 'br']

/** The coding a Content-Encoding header names; undefined for one the gateway cannot read (or stacked codings). */
export function codingOf (header: string | undefined): Coding | undefined {
  const value = (header ?? '').trim().toLowerCase()
  if (value === '' || value === 'identity') return 'identity'
  if (value === 'gzip' || value === 'x-gzip') return 'gzip'
  if (value === 'deflate' || value === 'br') return value
  return undefined
}

/**
 * HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers
 * send raw deflate; a zlib stream starts with CM = 8 in its low nibble.
 */
function isZlibWrapped (first: number | undefined): boolean {
  return first !== undefined && (first & 0x0f) === 0x08
}

/** Decodes a whole body, refusing more than `limit` decoded bytes (throws, with a Z_* or ERR_BUFFER_TOO_LARGE code). */
export function decodeSync (coding: Coding, raw: Buffer, limit: number): Buffer {
  const options = { maxOutputLength: Math.max(1, limit) }
  switch (coding) {
    case 'identity': return raw
    case 'gzip': return zlib.gunzipSync(raw, options)
    case 'deflate': return isZlibWrapped(raw[0]) ? zlib.inflateSync(raw, options) : zlib.inflateRawSync(raw, options)
    case 'br': return zlib.brotliDecompressSync(raw, options)
  }
}

/**
 * What the first bytes of a body decode to, even when the body goes on (or
 * is cut): the flush mode lets zlib hand out what it has instead of failing
 * on a missing end. Empty when the bytes cannot be decoded or expand past
 * `limit` (a decompression bomb's head is not worth reading).
 */
export function decodePrefix (coding: Coding, raw: Buffer, limit: number): Buffer {
  if (coding === 'identity') return raw
  const options = { maxOutputLength: Math.max(1, limit), finishFlush: zlib.constants.Z_SYNC_FLUSH }
  try {
    switch (coding) {
      case 'gzip': return zlib.gunzipSync(raw, options)
      case 'deflate': return isZlibWrapped(raw[0]) ? zlib.inflateSync(raw, options) : zlib.inflateRawSync(raw, options)
      case 'br': return zlib.brotliDecompressSync(raw, { maxOutputLength: options.maxOutputLength, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
    }
  } catch {
    return Buffer.alloc(0)
  }
}

function decoder (coding: Exclude<Coding, 'identity'>, first: number | undefined): Transform {
  if (coding === 'gzip') return zlib.createGunzip()
  if (coding === 'br') return zlib.createBrotliDecompress()
  return isZlibWrapped(first) ? zlib.createInflate() : zlib.createInflateRaw()
}

function encoder (coding: Exclude<Coding, 'identity'>): Transform {
  if (coding === 'gzip') return zlib.createGzip()
  if (coding === 'deflate') return zlib.createDeflate()
  // Quality 11 (the default) is meant for static files; 5 keeps a streamed answer fast.
  return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })
}

/** Peeks at nothing: the first chunk chooses the deflate variant, then every chunk goes through. */
function lazyDecoder (coding: Exclude<Coding, 'identity'>): Transform {
  let inner: Transform | undefined
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      if (!inner) {
        inner = decoder(coding, chunk[0])
        inner.on('data', (data: Buffer) => this.push(data)).on('error', error => { this.destroy(error) })
      }
      inner.write(chunk, () => { done() })
    },
    flush (done) {
      if (!inner) { done(); return }
      inner.once('end', () => { done() })
      inner.end()
    }
  })
}

/** `body` in `from` coding, re-coded to `to` as it streams (identity on either side is a no-op). */
export function recode (body: Readable | Buffer, from: Coding, to: Coding): Readable {
  let stream: Readable = Buffer.isBuffer(body) ? Readable.from([body], { objectMode: false }) : body
  if (from === to) return stream
  const stages: Transform[] = []
  if (from !== 'identity') stages.push(from === 'deflate' ? lazyDecoder(from) : decoder(from, undefined))
  if (to !== 'identity') stages.push(encoder(to))
  for (const stage of stages) stream = pipeline(stream, stage, () => {})
  return stream
}

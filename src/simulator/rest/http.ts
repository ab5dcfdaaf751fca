// Small node:http helpers: reading the body and writing KuCoin-style responses
// the way KuCoin's CDN frames them (PROTOCOL §2; responses captured from
// api.kucoin.com carry `Transfer-Encoding: chunked` and `Content-Encoding: gzip`).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gzipSync } from 'node:zlib'
import type { SimError } from './errors.js'

/** How a response body is delimited: chunked as the CDN does (default), or with Content-Length. */
export type Framing = 'chunked' | 'content-length'

// The first chunk ends inside `{"code":"2`, so a reader that decides on the first chunk alone fails.
const FIRST_CHUNK_BYTES = 10
const CHUNK_BYTES = 16 * 1024

export function readBody (req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Whether Accept-Encoding admits gzip (`gzip`, `gzip;q=0.5`, `*`; not `gzip;q=0`). */
export function acceptsGzip (header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header ?? ''
  return value.split(',').some(part => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map(p => p.trim()).find(p => p.startsWith('q='))
    return (coding.trim() === 'gzip' || coding.trim() === '*') && (q === undefined || Number(q.slice(2)) > 0)
  })
}

/** Writes complete responses in one framing, gzipped when the request asks for it. */
export class Responder {
  constructor (readonly framing: Framing = 'chunked') {}

  send (res: ServerResponse, status: number, body: string, headers?: Record<string, string>, contentType = 'application/json'): void {
    if (res.destroyed) return
    const gzip = acceptsGzip(res.req.headers['accept-encoding'])
    const bytes = gzip ? gzipSync(body) : Buffer.from(body)
    const head: Record<string, string | number> = { ...headers, 'content-type': contentType }
    if (gzip) head['content-encoding'] = 'gzip'
    head.vary = 'Accept-Encoding'
    if (this.framing === 'content-length') {
      res.writeHead(status, { ...head, 'content-length': bytes.length })
      res.end(bytes)
      return
    }
    // No Content-Length: node:http frames an HTTP/1.1 body as chunked, one chunk per write.
    res.writeHead(status, head)
    const first = Math.min(FIRST_CHUNK_BYTES, bytes.length)
    if (first > 0) res.write(bytes.subarray(0, first))
    for (let at = first; at < bytes.length; at += CHUNK_BYTES) res.write(bytes.subarray(at, at + CHUNK_BYTES))
    res.end()
  }

  error (res: ServerResponse, error: SimError, headers?: Record<string, string>): void {
    this.send(res, error.status, error.body(), headers)
  }
}

/** The success envelope around already-serialised `data`. */
export function envelope (data: unknown): string {
  return `{"code":"200000","data":${JSON.stringify(data) ?? 'null'}}`
}

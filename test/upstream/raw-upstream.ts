// A scripted HTTP/1.1 upstream on a raw TCP socket, written from RFC 9112
// rather than from node:http, so a test decides every byte of the framing:
// Content-Length, chunked (any chunk split) or close-delimited bodies, the
// content coding (compressed here with node:zlib, never with gateway code),
// where a body is cut, and whether the socket survives the response. It
// stands in for KuCoin's edge, which answers chunked and gzip.
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'

export type Framing = 'content-length' | 'chunked' | 'close'
export type Encoding = 'identity' | 'gzip' | 'deflate' | 'br'

export interface RawResponse {
  status?: number
  headers?: Record<string, string>
  body: Buffer | string
  framing: Framing
  /** Content coding applied to `body` before framing (sets Content-Encoding). */
  encoding?: Encoding
  /** Bytes per write of the (encoded) body, per chunk when chunked; default: all at once. */
  split?: number
  /** Offsets in the (encoded) body where a write ends and the next begins; overrides `split`. */
  splitAt?: number[]
  /** Send only this many (encoded) body bytes, then close the socket. */
  cutAt?: number
  /** Close the socket after this response, without saying so in a header (a keep-alive the peer drops). */
  closeAfter?: boolean
  /** Close the socket without answering at all. */
  noAnswer?: boolean
  /** Wait for this before sending the body bytes from `holdAt` on (to prove the peer streams). */
  hold?: { at: number, until: Promise<unknown> }
}

export interface RawRequest { method: string, target: string, headers: Record<string, string>, body: Buffer }

export interface RawUpstream {
  url: string
  requests: RawRequest[]
  /** TCP connections accepted so far. */
  connections: () => number
  close: () => Promise<void>
}

const encoded = new Map<string, Buffer>()

/** `body` in `encoding`, by node:zlib (deflate as the zlib format, RFC 9110 §8.4.1.2); remembered, as tests repeat bodies. */
export function encode (body: Buffer, encoding: Encoding | undefined): Buffer {
  if (encoding === undefined || encoding === 'identity') return body
  const key = `${encoding}:${body.toString('latin1')}`
  let out = encoded.get(key)
  if (out === undefined) {
    if (encoding === 'gzip') out = zlib.gzipSync(body)
    else if (encoding === 'deflate') out = zlib.deflateSync(body)
    // Quality 5, about what a CDN uses on dynamic answers (11, the default, takes a second on a large body).
    else out = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })
    if (encoded.size > 256) encoded.clear()
    encoded.set(key, out)
  }
  return out
}

function offsets (length: number, res: RawResponse): number[] {
  if (res.splitAt) return [...res.splitAt.filter(o => o > 0 && o < length), length]
  const size = res.split ?? Math.max(length, 1)
  const out: number[] = []
  for (let i = size; i < length; i += size) out.push(i)
  return [...out, length]
}

function head (res: RawResponse, length: number): string {
  const lines = [`HTTP/1.1 ${res.status ?? 200} X`]
  const headers: Record<string, string> = { 'content-type': 'application/json', ...res.headers }
  if (res.encoding !== undefined && res.encoding !== 'identity') headers['content-encoding'] = res.encoding
  if (res.framing === 'content-length') headers['content-length'] = String(length)
  if (res.framing === 'chunked') headers['transfer-encoding'] = 'chunked'
  if (res.framing === 'close') headers.connection = 'close'
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return lines.join('\r\n') + '\r\n\r\n'
}

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

async function write (socket: Socket, res: RawResponse): Promise<void> {
  if (res.noAnswer === true) { socket.destroy(); return }
  const full = encode(Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body), res.encoding)
  const body = res.cutAt === undefined ? full : full.subarray(0, res.cutAt)
  socket.write(head(res, full.length))
  let from = 0
  let piece = 0
  for (const to of offsets(body.length, res)) {
    if (res.hold && from <= res.hold.at && res.hold.at < to) {
      // Split at the hold point, then wait for the test's event.
      writePiece(socket, res.framing, body.subarray(from, res.hold.at))
      await res.hold.until
      from = res.hold.at
    }
    writePiece(socket, res.framing, body.subarray(from, to))
    from = to
    // Let each piece leave as its own TCP segment, so the reader sees the split: every one
    // of the first 256 (where the envelope's code is), then every 64th (a long body in
    // 1-byte writes would take seconds and prove nothing more).
    if ((res.split !== undefined || res.splitAt !== undefined) && (++piece <= 256 || piece % 64 === 0)) await tick()
  }
  if (res.cutAt !== undefined || res.framing === 'close') { socket.end(); return }
  if (res.framing === 'chunked') socket.write('0\r\n\r\n')
  if (res.closeAfter === true) socket.end()
}

function writePiece (socket: Socket, framing: Framing, piece: Buffer): void {
  if (piece.length === 0) return
  socket.write(framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece)
}

function parseHead (text: string): Omit<RawRequest, 'body'> {
  const [requestLine = '', ...lines] = text.split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { method, target, headers }
}

/** Starts the upstream; `answer` scripts the response to each request (request bodies need a Content-Length). */
export async function startRawUpstream (answer: (req: RawRequest) => RawResponse): Promise<RawUpstream> {
  const requests: RawRequest[] = []
  const sockets = new Set<Socket>()
  let accepted = 0
  const server: Server = createServer(socket => {
    accepted++
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('close', () => sockets.delete(socket)).on('error', () => {})
    let pending = Buffer.alloc(0)
    // Answers go out one at a time, in order (HTTP/1.1 without pipelining surprises).
    let queue = Promise.resolve()
    socket.on('data', data => {
      pending = Buffer.concat([pending, data])
      for (;;) {
        const end = pending.indexOf('\r\n\r\n')
        if (end === -1) return
        const parsed = parseHead(pending.subarray(0, end).toString('latin1'))
        const length = Number(parsed.headers['content-length'] ?? 0)
        if (pending.length < end + 4 + length) return
        const req = { ...parsed, body: pending.subarray(end + 4, end + 4 + length) }
        pending = pending.subarray(end + 4 + length)
        requests.push(req)
        queue = queue.then(async () => { await write(socket, answer(req)) }).catch(() => { socket.destroy() })
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

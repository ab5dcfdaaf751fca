// A scripted HTTP/1.1 upstream on a raw TCP socket, written from RFC 9112
// rather than from node:http, so a test decides every byte of the framing:
// Content-Length, chunked (any chunk split) or close-delimited bodies, and
// where a body is cut. It stands in for KuCoin's edge, which answers chunked.
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export type Framing = 'content-length' | 'chunked' | 'close'

export interface RawResponse {
  status?: number
  headers?: Record<string, string>
  body: Buffer | string
  framing: Framing
  /** Bytes per write of the body (per chunk when chunked); default: all at once. */
  split?: number
  /** Send only this many body bytes, then close the socket. */
  cutAt?: number
}

export interface RawRequest { method: string, target: string, headers: Record<string, string> }

export interface RawUpstream {
  url: string
  requests: RawRequest[]
  close: () => Promise<void>
}

function pieces (body: Buffer, split: number | undefined): Buffer[] {
  const size = split ?? Math.max(body.length, 1)
  const out: Buffer[] = []
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size))
  return out
}

function head (res: RawResponse, length: number): string {
  const lines = [`HTTP/1.1 ${res.status ?? 200} X`]
  const headers: Record<string, string> = { 'content-type': 'application/json', ...res.headers }
  if (res.framing === 'content-length') headers['content-length'] = String(length)
  if (res.framing === 'chunked') headers['transfer-encoding'] = 'chunked'
  if (res.framing === 'close') headers.connection = 'close'
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return lines.join('\r\n') + '\r\n\r\n'
}

async function write (socket: Socket, res: RawResponse): Promise<void> {
  const full = Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body)
  const body = res.cutAt === undefined ? full : full.subarray(0, res.cutAt)
  socket.write(head(res, full.length))
  for (const piece of pieces(body, res.split)) {
    socket.write(res.framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece)
    // Let each piece leave as its own TCP segment, so the reader sees the split.
    if (res.split !== undefined) await new Promise(resolve => setImmediate(resolve))
  }
  if (res.cutAt !== undefined || res.framing === 'close') socket.end()
  else if (res.framing === 'chunked') socket.write('0\r\n\r\n')
}

function parseHead (text: string): RawRequest {
  const [requestLine = '', ...lines] = text.split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { method, target, headers }
}

/** Starts the upstream; `answer` scripts the response to each request (bodies of requests are not expected). */
export async function startRawUpstream (answer: (req: RawRequest) => RawResponse): Promise<RawUpstream> {
  const requests: RawRequest[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer(socket => {
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('close', () => sockets.delete(socket)).on('error', () => {})
    let pending = ''
    socket.on('data', data => {
      pending += data.toString('latin1')
      let end
      while ((end = pending.indexOf('\r\n\r\n')) !== -1) {
        const req = parseHead(pending.slice(0, end))
        pending = pending.slice(end + 4)
        requests.push(req)
        write(socket, answer(req)).catch(() => socket.destroy())
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

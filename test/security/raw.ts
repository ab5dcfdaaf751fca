// Requests over raw TCP sockets, with whatever headers an attacker forges:
// no client library decides Host, Origin or framing for us.
import { connect, type Socket } from 'node:net'

export interface RawReply {
  status: number
  headers: Record<string, string>
  body: string
  json: <T = any>() => T
}

/** `http://127.0.0.1:1234` → host and port. */
export function target (url: string): { host: string, port: number } {
  const u = new URL(url)
  return { host: u.hostname, port: Number(u.port) }
}

export function open (url: string, localAddress?: string): Promise<Socket> {
  const { host, port } = target(url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Parses one HTTP/1.1 response (Content-Length framed, or up to the close). */
export function parse (text: string): RawReply | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const rest = text.slice(end + 4)
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
  if (length !== undefined && Buffer.byteLength(rest) < length) return undefined
  const body = length === undefined ? rest : Buffer.from(rest).subarray(0, length).toString()
  return { status: Number(statusLine.split(' ')[1]), headers, body, json: () => JSON.parse(body) }
}

/** Reads from a socket until one full response arrived (or the socket ended). */
export function readReply (socket: Socket, timeoutMs = 10_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let text = ''
    const done = (error?: Error): void => {
      clearTimeout(timer)
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError)
      const reply = parse(text)
      if (reply) resolve(reply)
      else reject(error ?? new Error(`no complete response: ${JSON.stringify(text.slice(0, 200))}`))
    }
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1')
      const reply = parse(text)
      // A 101 has no body: its head is the whole answer.
      if (reply && (reply.status === 101 || reply.headers['content-length'] !== undefined)) done()
    }
    const onEnd = (): void => done()
    const onError = (error: Error): void => done(error)
    const timer = setTimeout(() => done(new Error('timed out')), timeoutMs)
    socket.on('data', onData).once('end', onEnd).once('close', onEnd).once('error', onError)
  })
}

export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
}

/** One request on a fresh connection; `Host` is whatever the caller says (the test URL's host by default). */
export async function raw (url: string, request: RawRequest): Promise<RawReply> {
  const socket = await open(url)
  try {
    const headers: Record<string, string> = { host: new URL(url).host, connection: 'close', ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    socket.write(`${request.method ?? 'GET'} ${request.path} HTTP/1.1\r\n${head}\r\n${request.body ?? ''}`)
    return await readReply(socket)
  } finally {
    socket.destroy()
  }
}

/** A WebSocket upgrade request with forged headers; resolves with the handshake answer (101 or a refusal). */
export function upgrade (url: string, path: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return raw(url, {
    path,
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...headers
    }
  })
}

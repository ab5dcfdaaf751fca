// Small node:http helpers: reading the body and writing KuCoin-style responses.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SimError } from './errors.js'

export function readBody (req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function send (res: ServerResponse, status: number, body: string, headers?: Record<string, string>, contentType = 'application/json'): void {
  if (res.destroyed) return
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export function sendError (res: ServerResponse, error: SimError, headers?: Record<string, string>): void {
  send(res, error.status, error.body(), headers)
}

/** The success envelope around already-serialised `data`. */
export function envelope (data: unknown): string {
  return `{"code":"200000","data":${JSON.stringify(data) ?? 'null'}}`
}

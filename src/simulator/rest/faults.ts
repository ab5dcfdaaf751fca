// Injected faults: rules tried in insertion order before anything else
// happens to a request, each optionally limited to a number of uses.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Market } from '../types.js'
import { SimError, defaultMsg, statusFor } from './errors.js'
import type { Responder } from './http.js'
import type { FaultAction, FaultRule } from '../types.js'

interface ActiveRule { rule: FaultRule, remaining: number }

export class FaultList {
  private rules: ActiveRule[] = []

  add (rule: FaultRule): () => void {
    const active = { rule, remaining: rule.times ?? Infinity }
    this.rules.push(active)
    return () => { this.rules = this.rules.filter(r => r !== active) }
  }

  clear (): void {
    this.rules = []
  }

  /** The first matching rule, counting one use of it. */
  match (market: Market, method: string, path: string): FaultRule | undefined {
    if (this.rules.length === 0) return undefined
    const hit = this.rules.find(({ rule }) =>
      (rule.market === undefined || rule.market === market) &&
      (rule.method === undefined || rule.method.toUpperCase() === method) &&
      (typeof rule.path === 'string' ? rule.path === path : matchesRegExp(rule.path, path)))
    if (hit === undefined) return undefined
    hit.remaining--
    if (hit.remaining <= 0) this.rules = this.rules.filter(r => r !== hit)
    return hit.rule
  }
}

function matchesRegExp (pattern: RegExp, path: string): boolean {
  // A /g or /y pattern keeps lastIndex between calls; every request must start afresh.
  pattern.lastIndex = 0
  return pattern.test(path)
}

const HTML_PAGE = (status: number): string => `<!DOCTYPE html>
<html><head><title>${status} Bad gateway | api.kucoin.com | Cloudflare</title></head>
<body><div id="cf-error-details"><h1>Error ${status}</h1><p>Bad gateway</p>
<p>The web server reported a bad gateway error.</p>
<p>Cloudflare Ray ID: 8d5f0c2a1b3e4f56 &bull; Performance &amp; security by Cloudflare</p></div></body></html>`

const TRUNCATED = '{"code":"200000","data":{"time":1729172965609,"sequence":"14609309753","price":"67269","size":"0.000025"}}'

/** Carries out every action except `delay`, which the server handles by waiting. */
export function performFault (action: Exclude<FaultAction, { kind: 'delay' }>, req: IncomingMessage, res: ServerResponse, reply: Responder): void {
  switch (action.kind) {
    case 'code': {
      const error = new SimError(action.code, action.msg ?? defaultMsg(action.code), action.status ?? statusFor(action.code))
      reply.error(res, error)
      return
    }
    case 'reset':
      req.socket.destroy()
      return
    case 'html': {
      const status = action.status ?? 502
      reply.send(res, status, HTML_PAGE(status), {}, 'text/html')
      return
    }
    case 'stall':
      // Nothing is written; close() destroys the socket.
      return
    case 'raw':
      reply.send(res, action.status, action.body, {}, action.contentType ?? 'application/json')
      return
    case 'truncate':
      // Cut in either framing: short of its Content-Length, or before the last chunk.
      res.writeHead(200, reply.framing === 'content-length'
        ? { 'content-type': 'application/json', 'content-length': TRUNCATED.length }
        : { 'content-type': 'application/json' })
      res.write(TRUNCATED.slice(0, 40), () => req.socket.destroy())
  }
}

// A tiny scripted KuCoin on the raw TCP upstream (test/upstream/raw-upstream.ts)
// for the cases the simulator cannot stage yet: it keeps the orders it was
// sent by clientOid (the order exists as soon as the request arrived), and a
// test decides how each placement and lookup is answered.
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Env } from '../../src/config.js'
import { startRawUpstream, type RawRequest, type RawResponse, type RawUpstream } from '../upstream/raw-upstream.js'

export interface TestContext { teardown: (fn: () => unknown) => void }

/** How a placement is answered once the order exists: normally, not at all (reset), or with a code. */
export type PlaceMode = { kind: 'ok' } | { kind: 'reset' } | { kind: 'code', code: string, msg: string, status?: number }
/** How a lookup by clientOid is answered. */
export type LookupMode = 'truth' | 'not-found' | 'error'

export interface ScriptedKucoin {
  upstream: RawUpstream
  /** clientOid → order id, for every order "placed". */
  orders: Map<string, string>
  place: PlaceMode[]
  lookup: LookupMode[]
  posts: () => RawRequest[]
  lookups: () => RawRequest[]
}

const envelope = (data: unknown): RawResponse => ({ body: JSON.stringify({ code: '200000', data }), framing: 'content-length' })
const failure = (code: string, msg: string, status = 200): RawResponse => ({ status, body: JSON.stringify({ code, msg }), framing: 'content-length' })

/** `place` and `lookup` are queues: each call takes the next mode, the last one repeats. */
export async function startScriptedKucoin (t: TestContext): Promise<ScriptedKucoin> {
  const orders = new Map<string, string>()
  const take = <T>(queue: T[]): T => (queue.length > 1 ? queue.shift()! : queue[0]!)
  const k: ScriptedKucoin = {
    upstream: undefined as unknown as RawUpstream,
    orders,
    place: [{ kind: 'ok' }],
    lookup: ['truth'],
    // Order placements only: the order cache's private stream also POSTs (bullet-private).
    posts: () => k.upstream.requests.filter(r => r.method === 'POST' && !r.target.startsWith('/api/v1/bullet')),
    lookups: () => k.upstream.requests.filter(r => r.method === 'GET' && /client-order|byClientOid/.test(r.target))
  }
  k.upstream = await startRawUpstream(req => {
    if (req.target.startsWith('/api/v1/timestamp')) return envelope(Date.now())
    if (req.method === 'POST') {
      const body = JSON.parse(req.body.toString('utf8')) as { clientOid: string }
      const mode = take(k.place)
      if (mode.kind === 'code') return failure(mode.code, mode.msg, mode.status)
      const orderId = orders.get(body.clientOid) ?? `o${orders.size + 1}`.padEnd(24, '0')
      orders.set(body.clientOid, orderId)
      if (mode.kind === 'reset') return { body: '', framing: 'content-length', noAnswer: true }
      return envelope({ orderId, clientOid: body.clientOid })
    }
    const match = /client-order\/([^?]+)|clientOid=([^&]+)/.exec(req.target)
    const clientOid = decodeURIComponent(match?.[1] ?? match?.[2] ?? '')
    const mode = take(k.lookup)
    if (mode === 'error') return failure('500000', 'Internal Server Error', 500)
    const id = mode === 'truth' ? orders.get(clientOid) : undefined
    return id === undefined ? failure('102436', 'The order does not exist.') : envelope({ id, clientOid, isActive: false })
  })
  t.teardown(() => k.upstream.close())
  return k
}

export interface Started { app: FastifyInstance, base: string, call: (method: string, path: string, options?: { headers?: Record<string, string>, body?: string }) => Promise<{ status: number, headers: Record<string, unknown>, json: any }> }

/** A gateway in front of the scripted KuCoin (both markets); close it yourself to "restart" it. */
export async function startGatewayOn (t: TestContext, k: ScriptedKucoin, env: Env = {}): Promise<Started> {
  const app = await buildApp(loadConfig({
    LOG_LEVEL: 'silent',
    KUCOIN_API_KEY: 'k',
    KUCOIN_API_SECRET: 's',
    KUCOIN_API_PASSPHRASE: 'p',
    KGW_TRADING_ENABLED: 'true',
    ...env,
    KUCOIN_SPOT_URL: k.upstream.url,
    KUCOIN_FUTURES_URL: k.upstream.url
  }))
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  await Promise.all(Object.values(app.kucoin.clocks).map(c => c.sync().catch(() => {})))
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    app,
    base,
    call: async (method, path, options = {}) => {
      const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) }
      const res = await request(base + path, { method: method as 'GET', headers, body: options.body })
      const text = await res.body.text()
      return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) }
    }
  }
}

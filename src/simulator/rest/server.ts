// The request pipeline shared by both hosts: record → fault → route → auth →
// rate limit → body → handler. Kept allocation-light because the benchmark
// compares the gateway with hitting this server directly.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate } from './auth.js'
import type { AuthPolicy, KeyRing } from './auth.js'
import { SimError, spotParam } from './errors.js'
import type { FaultList } from './faults.js'
import { performFault } from './faults.js'
import { envelope, readBody } from './http.js'
import type { Responder } from './http.js'
import type { Operation, OperationIndex } from './operations.js'
import type { RateLimiter } from './rate-limit.js'
import { RawJson, pathParams, routeKey } from './routes.js'
import type { RouteTable } from './routes.js'
import { SPEC_EXAMPLES } from './examples.generated.js'
import type { SimState } from '../engine/state.js'
import type { Market, RecordedRequest } from '../types.js'

const MAX_RECORDED = 1000

export class RequestLog {
  readonly entries: RecordedRequest[] = []

  record (entry: RecordedRequest): void {
    this.entries.push(entry)
    if (this.entries.length > MAX_RECORDED) this.entries.shift()
  }

  clear (): void {
    this.entries.length = 0
  }
}

export interface ServerDeps {
  state: SimState
  operations: OperationIndex
  routes: RouteTable
  ring: KeyRing
  limiter: RateLimiter
  faults: FaultList
  log: RequestLog
  policy: AuthPolicy
  reply: Responder
  /** A timer the simulator clears on close. */
  sleep: (ms: number) => Promise<void>
}

interface Incoming { market: Market, method: string, path: string, rawQuery: string, body: string, req: IncomingMessage }

/** The spot host also answers the broker API, which has no host of its own here. */
function findOperation (operations: OperationIndex, market: Market, method: string, path: string): Operation | undefined {
  return operations.find(market, method, path) ?? (market === 'spot' ? operations.find('broker', method, path) : undefined)
}

/** JSON bodies are required to be `application/json` objects (415000 / 400100 otherwise). */
function parseBody (incoming: Incoming): Record<string, unknown> {
  if (incoming.body === '' || incoming.method === 'GET' || incoming.method === 'HEAD') return {}
  if (!(incoming.req.headers['content-type'] ?? '').toLowerCase().includes('application/json')) throw new SimError('415000')
  let parsed: unknown
  try {
    parsed = JSON.parse(incoming.body)
  } catch {
    throw spotParam('Invalid request body: malformed JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw spotParam('Invalid request body: a JSON object is expected')
  return parsed as Record<string, unknown>
}

/** A complete response, built before anything is written so an after-commit fault can replace it. */
interface Answer { status: number, body: string, headers: Record<string, string> | undefined }

function execute (deps: ServerDeps, incoming: Incoming, endpoint: Operation): Answer {
  let rateHeaders: Record<string, string> | undefined
  try {
    const now = deps.state.clock.now()
    const key = endpoint.signed
      ? authenticate({ ...incoming, headers: incoming.req.headers }, endpoint, deps.ring, now, deps.policy)
      : undefined
    const identity = key?.key ?? incoming.req.socket.remoteAddress ?? 'unknown'
    const verdict = deps.limiter.charge(endpoint.pool, identity, endpoint.weight, Date.now())
    rateHeaders = verdict.headers
    if (!verdict.ok) throw new SimError('429000')
    const body = parseBody(incoming)
    const id = routeKey(endpoint.host, endpoint.method, endpoint.path)
    const handler = deps.routes.get(id)
    deps.state.market.advance(now)
    const result = handler === undefined
      ? new RawJson(SPEC_EXAMPLES[id] ?? envelope(null))
      : handler({ endpoint, params: pathParams(endpoint.path, incoming.path), query: new URLSearchParams(incoming.rawQuery), body, key, now, state: deps.state })
    return { status: 200, body: result instanceof RawJson ? result.text : envelope(result), headers: rateHeaders }
  } catch (error) {
    const failure = error instanceof SimError ? error : new SimError('500000', String(error))
    return { status: failure.status, body: failure.body(), headers: rateHeaders }
  }
}

/** Routes and runs a request; its answer, 404000 for a path the catalog does not know. */
function run (deps: ServerDeps, incoming: Incoming): Answer {
  const endpoint = findOperation(deps.operations, incoming.market, incoming.method, incoming.path)
  if (endpoint === undefined) {
    const missing = new SimError('404000')
    return { status: missing.status, body: missing.body(), headers: undefined }
  }
  return execute(deps, incoming, endpoint)
}

async function handle (deps: ServerDeps, market: Market, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req)
  const url = req.url ?? '/'
  const method = req.method ?? 'GET'
  deps.log.record({ market, method, url, headers: req.headers, body, at: deps.state.clock.now() })
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const incoming: Incoming = { market, method, path, rawQuery: q < 0 ? '' : url.slice(q + 1), body, req }
  const fault = deps.faults.match(market, method, path)
  if (fault?.when === 'after-commit') {
    // The request commits (orders, fills, stream messages); only its answer is lost or late.
    const answer = run(deps, incoming)
    const action = fault.action
    if (action.kind !== 'delay') return performFault(action, req, res, deps.reply)
    await deps.sleep(action.ms)
    return deps.reply.send(res, answer.status, answer.body, answer.headers)
  }
  const action = fault?.action
  if (action !== undefined && action.kind !== 'delay') return performFault(action, req, res, deps.reply)
  if (action !== undefined) await deps.sleep(action.ms)
  const answer = run(deps, incoming)
  deps.reply.send(res, answer.status, answer.body, answer.headers)
}

/** The request listener of one host. */
export function requestListener (deps: ServerDeps, market: Market): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, market, req, res).catch(() => { req.socket.destroy() })
  }
}

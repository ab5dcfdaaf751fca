// Idempotent order placement: one record per (caller, key), written before
// anything is sent; every answer classified (outcome.ts) and, when the
// answer was lost, settled by the private order stream or by looking the
// order up (settler.ts). The REST
// proxy and the GraphQL mutations both place through here.
//
// Answers: `placed` returns KuCoin's success (status, headers, body);
// everything else is thrown as a GatewayError carrying the outcome headers
// (`KGW-Order-Outcome`, and `Idempotent-Replayed` on a replay).
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { KucoinClient, KucoinResponse } from '../kucoin/client.js'
import { collectBody } from '../kucoin/envelope.js'
import { storeKey, type IdempotencyStore, type PlacementRecord, type StoredAnswer } from './idempotency-store.js'
import { classifyFailure, isNotFound, type Outcome } from './outcome.js'
import { preparePlacement } from './placement-body.js'
import { targetByName, type PlacementTarget } from './placement-targets.js'
import { Settler, type LookupResult, type OrderWatch, type SettledBy, type Settlement } from './settler.js'

export interface PlacementSettings {
  /** allowMaxTimeWindow (ms) added to HF spot placements that carry none; 0 adds none. */
  timeWindowMs: number
  /** KuCoin's lookup lag allowed for past the window before "not found" means "not placed". */
  graceMs: number
  /** How long a request waits for an earlier one with the same key before 409. */
  inFlightWaitMs: number
  /** How long a caller waits for a settlement before it gets `unknown` (202). */
  settleWaitMs: number
  /** How long a settlement keeps looking. */
  settleMaxMs: number
  settleDelaysMs: readonly number[]
  /** The private order stream (the order cache), heard while settling; undefined: lookups alone. */
  watch?: OrderWatch
}

export interface PlacementObserver {
  placement: (market: Market, route: string, outcome: Outcome, replayed: boolean) => void
  settled: (outcome: Outcome, seconds: number, lookups: number, by: SettledBy) => void
}

/** Where unclear outcomes are reported (the app's pino logger; its output is scrubbed of secrets). */
export interface PlacementLog {
  warn: (fields: object, msg: string) => void
  info: (fields: object, msg: string) => void
}

export interface PlacementCall {
  /** Access Caller.name: keys are scoped per caller. */
  caller: string
  /** The Idempotency-Key header (REST) or argument (GraphQL), if given. */
  key: string | undefined
  target: PlacementTarget
  body: Buffer | undefined
  /** Sends this body to KuCoin on the placement route. */
  send: (body: Buffer) => Promise<KucoinResponse>
}

export interface PlacedAnswer extends StoredAnswer {
  outcome: 'placed'
  key: string
  clientOid: string
  orderId: string | undefined
  replayed: boolean
}

/** What GET /placements/{key} answers. */
export interface PlacementView {
  key: string
  clientOid: string
  market: Market
  outcome: PlacementRecord['outcome']
  orderId?: string
  error?: { type: string, code: string, msg: string }
  updatedAt: number
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class Placements {
  readonly settler: Settler
  /** Placements this process is sending, by store key: same-key requests wait on them. */
  private readonly inFlight = new Map<string, Promise<unknown>>()

  constructor (
    readonly store: IdempotencyStore,
    private readonly client: KucoinClient,
    private readonly settings: PlacementSettings,
    private readonly observer?: PlacementObserver,
    private readonly log?: PlacementLog
  ) {
    this.settler = new Settler({
      delaysMs: settings.settleDelaysMs,
      maxMs: settings.settleMaxMs,
      lookup: async record => await this.lookup(record),
      kucoinNow: market => client.clocks[market].now(),
      watch: settings.watch,
      observe: (s, seconds, lookups, by) => { observer?.settled(s.outcome, seconds, lookups, by) }
    })
  }

  async place (call: PlacementCall): Promise<PlacedAnswer> {
    // A record dropped as not-placed while we looked may be begun again: a bounded number of times,
    // each with a freshly prepared body (its clientTimestamp must be now, or KuCoin refuses it as late).
    let record: PlacementRecord | undefined
    for (let round = 0; round < 3; round++) {
      const prepared = this.prepare(call)
      record = prepared.record
      const existing = await this.store.begin(record)
      if (existing === undefined) return await this.first(record, prepared.body, call)
      const answer = await this.again(existing, record.fingerprint)
      if (answer !== undefined) return answer
    }
    throw this.inFlightError(record!)
  }

  private prepare (call: PlacementCall): { record: PlacementRecord, body: Buffer } {
    const { target } = call
    const prepared = preparePlacement({
      caller: call.caller,
      header: call.key,
      target,
      body: call.body,
      timeWindowMs: this.settings.timeWindowMs,
      graceMs: this.settings.graceMs,
      kucoinNow: () => this.client.clocks[target.market].now()
    })
    const now = Date.now()
    const record: PlacementRecord = {
      caller: call.caller,
      key: prepared.key,
      clientOid: prepared.clientOid,
      market: target.market,
      target: target.name,
      symbol: prepared.symbol,
      fingerprint: prepared.fingerprint,
      outcome: 'pending',
      notPlacedAfter: prepared.notPlacedAfter,
      createdAt: now,
      updatedAt: now
    }
    return { record, body: prepared.body }
  }

  /** The first request for a key: send, classify, settle. */
  private async first (record: PlacementRecord, body: Buffer, call: PlacementCall): Promise<PlacedAnswer> {
    const id = storeKey(record.caller, record.key)
    const work = this.sendAndSettle(record, body, call)
    this.inFlight.set(id, work.catch(() => {}))
    try {
      return await work
    } finally {
      this.inFlight.delete(id)
    }
  }

  private async sendAndSettle (record: PlacementRecord, body: Buffer, call: PlacementCall): Promise<PlacedAnswer> {
    let res: KucoinResponse
    let decoded: Buffer
    try {
      res = await call.send(body)
      decoded = await collectBody(record.market, res, 1024 * 1024)
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError('internal', { market: record.market, cause: error })
      return await this.failed(record, failure)
    }
    const text = decoded.toString('utf8')
    const answer: StoredAnswer = { status: res.status, headers: { ...res.headers, 'content-type': res.headers['content-type'] ?? 'application/json' }, body: text }
    delete answer.headers['content-encoding']
    await this.persist(record, async () => { await this.store.update({ ...record, outcome: 'placed', orderId: orderIdOf(text), answer, updatedAt: Date.now() }) })
    return this.placed(record, answer, orderIdOf(text), false)
  }

  private async failed (record: PlacementRecord, error: GatewayError): Promise<PlacedAnswer> {
    const kind = classifyFailure(error)
    if (kind === 'not-placed') {
      await this.persist(record, async () => { await this.store.drop(record.caller, record.key, record.createdAt) })
      throw this.withOutcome(error, 'not-placed', record)
    }
    if (kind === 'rejected') {
      await this.persist(record, async () => { await this.store.update({ ...record, outcome: 'rejected', error: { kind: error.kind, code: error.code, msg: error.msg, detail: error.detail }, updatedAt: Date.now() }) })
      throw this.withOutcome(error, 'rejected', record)
    }
    // Unknown, or a duplicate (an ACTIVE order has this clientOid: the first request is live; find it).
    // A duplicate proves the order exists, so its lookups never conclude "not placed".
    this.log?.warn({ key: record.key, clientOid: record.clientOid, market: record.market, kind: error.kind, code: error.code },
      `order placement ${kind === 'duplicate' ? 'answered duplicate clientOid' : 'answer lost'} (${error.detail}); settling it by stream and lookup`)
    const unknown: PlacementRecord = { ...record, outcome: 'unknown', updatedAt: Date.now() }
    if (kind === 'duplicate') delete unknown.notPlacedAfter
    await this.persist(record, async () => { await this.store.update(unknown) })
    const answer = await this.settleFor(unknown, false)
    if (answer !== undefined) return answer
    // Proved never placed within the wait: the key is free again (or already begun again by
    // another request, a new incarnation) and the caller may retry.
    if (await this.dropped(record)) throw this.withOutcome(error, 'not-placed', record)
    throw this.unknownError(unknown)
  }

  /**
   * Stores what became of a placement already sent. A shared store that fails
   * here must not turn a known answer into an error: the caller still gets it,
   * and the record, left pending, is settled by lookup once its lease lapses.
   */
  private async persist (record: PlacementRecord, write: () => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (error) {
      this.log?.warn({ key: record.key, clientOid: record.clientOid, err: error instanceof Error ? error.message : String(error) },
        'idempotency store write failed after the placement was sent; answering anyway, the record is settled by lookup later')
    }
  }

  /** A request for a key that has a record. Undefined: the record is gone (not placed), begin again. */
  private async again (existing: PlacementRecord, fingerprint: string): Promise<PlacedAnswer | undefined> {
    if (existing.fingerprint !== fingerprint) {
      throw new GatewayError('idempotency-key-reused', {
        market: existing.market,
        detail: `Idempotency-Key "${existing.key}" was first used with a different request body or route; nothing was sent`
      })
    }
    let record: PlacementRecord | undefined = existing
    if (record.outcome === 'pending') record = await this.waitFor(existing)
    if (record === undefined) return undefined
    switch (record.outcome) {
      case 'pending': throw this.inFlightError(record)
      case 'placed': return this.placed(record, record.answer ?? synthesized(record), record.orderId, true)
      case 'rejected': throw this.withOutcome(this.storedError(record), 'rejected', record, true)
      case 'not-placed': return undefined
      case 'unknown': {
        const answer = await this.settleFor(record, true)
        if (answer !== undefined) return answer
        // Settled as not placed: the key is free and this request places it, or another request
        // (a replica settling at the same time) has already begun it again and this one waits for it.
        if (await this.dropped(record)) return undefined
        throw this.unknownError(record, true)
      }
    }
  }

  /** Whether this incarnation of the record is gone: dropped as not placed, perhaps begun again since. */
  private async dropped (record: PlacementRecord): Promise<boolean> {
    const now = await this.store.get(record.caller, record.key)
    return now === undefined || now.createdAt !== record.createdAt
  }

  /** Waits for the first request with this key (in this process, or polling a shared store). */
  private async waitFor (record: PlacementRecord): Promise<PlacementRecord | undefined> {
    const id = storeKey(record.caller, record.key)
    const deadline = Date.now() + this.settings.inFlightWaitMs
    for (;;) {
      const local = this.inFlight.get(id)
      const left = deadline - Date.now()
      if (local !== undefined && left > 0) await Promise.race([local, sleep(left)])
      else if (left > 0) await sleep(Math.min(25, left))
      const now = await this.store.get(record.caller, record.key)
      if (now === undefined || now.outcome !== 'pending' || Date.now() >= deadline) return now
    }
  }

  /** Runs (or joins) the settlement; the caller waits up to settleWaitMs. A placed result, else undefined. */
  private async settleFor (record: PlacementRecord, replayed: boolean): Promise<PlacedAnswer | undefined> {
    const settled = this.settler.settle(record).then(async s => await this.apply(record, s))
    // The wait's timer is cleared once settled: a long KGW_SETTLE_WAIT_MS must not hold the process open at close.
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<undefined>(resolve => { timer = setTimeout(() => { resolve(undefined) }, this.settings.settleWaitMs) })
    const result = await Promise.race([settled, waited]).finally(() => { clearTimeout(timer) })
    if (result?.outcome === 'placed') return this.placed(result, result.answer ?? synthesized(result), result.orderId, replayed)
    return undefined
  }

  /** Stores a settlement; the record as it now stands (undefined once dropped as not placed). */
  private async apply (record: PlacementRecord, settlement: Settlement): Promise<PlacementRecord | undefined> {
    this.log?.info({ key: record.key, clientOid: record.clientOid, market: record.market, outcome: settlement.outcome }, `order placement settled: ${settlement.outcome}`)
    const current = await this.store.get(record.caller, record.key) ?? record
    if (current.outcome === 'placed' || current.outcome === 'rejected') return current
    if (settlement.outcome === 'not-placed') {
      await this.store.drop(record.caller, record.key, current.createdAt)
      return undefined
    }
    if (settlement.outcome === 'unknown') return current
    const placed: PlacementRecord = { ...current, outcome: 'placed', orderId: settlement.orderId, updatedAt: Date.now() }
    placed.answer = synthesized(placed)
    await this.store.update(placed)
    return placed
  }

  private async lookup (record: PlacementRecord): Promise<LookupResult> {
    const target = targetByName(record.target)
    if (target === undefined) return { kind: 'failed', reason: `unknown route ${record.target}` }
    const { path, query } = target.lookup(record.clientOid, record.symbol)
    try {
      const data = await this.client.data<Record<string, unknown> | null>(record.market, 'GET', path, { query, signed: true, fresh: true })
      const orderId = data?.id ?? data?.orderId
      return typeof orderId === 'string' && orderId !== '' ? { kind: 'found', orderId } : { kind: 'not-found' }
    } catch (error) {
      if (error instanceof GatewayError && isNotFound(error)) return { kind: 'not-found' }
      return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) }
    }
  }

  /** The caller's view of a key (GET /placements/{key}); an unknown one is settled first, within settleWaitMs. */
  async view (caller: string, key: string): Promise<PlacementView> {
    let record = await this.store.get(caller, key)
    if (record?.outcome === 'unknown') {
      await this.settleFor(record, true)
      record = await this.store.get(caller, key) ?? { ...record, outcome: 'not-placed', updatedAt: Date.now() }
    }
    if (record === undefined) throw new GatewayError('placement-not-found', { detail: `no placement with Idempotency-Key "${key}" for this caller (not placed, expired, or never sent)` })
    const view: PlacementView = { key: record.key, clientOid: record.clientOid, market: record.market, outcome: record.outcome, updatedAt: record.updatedAt }
    if (record.orderId !== undefined) view.orderId = record.orderId
    if (record.error !== undefined) view.error = { type: `urn:kgw:${record.error.kind}`, code: record.error.code, msg: record.error.msg }
    return view
  }

  private placed (record: PlacementRecord, answer: StoredAnswer, orderId: string | undefined, replayed: boolean): PlacedAnswer {
    this.observer?.placement(record.market, record.target, 'placed', replayed)
    const headers: Record<string, string> = { ...answer.headers, 'kgw-order-outcome': 'placed' }
    if (replayed) headers['idempotent-replayed'] = 'true'
    return { ...answer, headers, outcome: 'placed', key: record.key, clientOid: record.clientOid, orderId, replayed }
  }

  private withOutcome (error: GatewayError, outcome: Outcome, record: PlacementRecord, replayed = false): GatewayError {
    this.observer?.placement(record.market, record.target, outcome, replayed)
    Object.assign(error.headers, { 'kgw-order-outcome': outcome }, replayed ? { 'idempotent-replayed': 'true' } : {})
    return error
  }

  private storedError (record: PlacementRecord): GatewayError {
    const stored = record.error
    const kind = (stored?.kind ?? 'order-rejected') as ConstructorParameters<typeof GatewayError>[0]
    return new GatewayError(kind, { market: record.market, code: stored?.code, msg: stored?.msg, detail: stored?.detail })
  }

  private unknownError (record: PlacementRecord, replayed = false): GatewayError {
    const retryAfterMs = Math.max(1000, this.settings.settleDelaysMs.at(-1) ?? 1000)
    const error = new GatewayError('order-outcome-unknown', {
      market: record.market,
      retryAfterMs,
      detail: `the placement with Idempotency-Key "${record.key}" (clientOid ${record.clientOid}) was sent but its answer was lost; the gateway is settling it: GET /placements/${record.key}, or retry with the same key`,
      headers: { location: `/placements/${encodeURIComponent(record.key)}` }
    })
    return this.withOutcome(error, 'unknown', record, replayed)
  }

  private inFlightError (record: PlacementRecord): GatewayError {
    return new GatewayError('idempotency-key-in-flight', {
      market: record.market,
      retryAfterMs: 1000,
      detail: `a placement with Idempotency-Key "${record.key}" is still running; retry with the same key`
    })
  }

  close (): void {
    this.settler.close()
  }
}

function orderIdOf (body: string): string | undefined {
  try {
    const data = (JSON.parse(body) as { data?: { orderId?: unknown, id?: unknown } }).data
    const id = data?.orderId ?? data?.id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

/** KuCoin's success envelope for an order found by lookup (its own answer was lost). */
function synthesized (record: PlacementRecord): StoredAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: '200000', data: { orderId: record.orderId, clientOid: record.clientOid } })
  }
}

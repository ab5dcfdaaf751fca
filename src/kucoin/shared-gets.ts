// Identical public GETs made once: a call whose key is in flight is joined,
// not repeated (REST and GraphQL alike), and an optional micro-cache keeps
// successes for a short TTL, bounded in bytes (lru-cache; stale entries are
// purged, not merely shadowed). A joiner that goes away only detaches; the
// upstream call is aborted when its last caller has gone.
import { LRUCache } from 'lru-cache'
import { LightAbort, type CallSignal } from '../light-abort.js'
import type { EnvelopeResponse } from './envelope.js'

/** A success read whole, as every sharer receives it. */
export interface SharedAnswer extends EnvelopeResponse {
  body: Buffer
  decoded: Buffer
  /** The parsed body, filled by the first data() reader and reused by the others. */
  parsed?: { value: unknown }
}

/** A success too large to read whole: its stream goes to one caller, the others ask again. Never cached. */
export interface StreamedAnswer {
  stream: EnvelopeResponse
  taken: boolean
}

export type SharedResult = SharedAnswer | StreamedAnswer

export interface SharedGetsOptions {
  /** Join identical calls in flight; off only to measure the cost of every call. */
  shareInFlight: boolean
  /** How long a success is reused; 0 disables the cache. */
  ttlMs: number
  /** Most bytes the cache holds (bodies plus a per-entry overhead). */
  maxBytes: number
}

export interface SharedStats {
  /** Calls actually made. */
  calls: number
  /** Callers that joined a call in flight. */
  joined: number
  /** Callers answered from the cache. */
  cached: number
  /** Upstream calls aborted because every caller had gone. */
  aborted: number
}

interface Flight {
  key: string
  settled: boolean
  promise: Promise<SharedResult>
  controller: LightAbort
  /** Callers still waiting; those without a signal never leave. */
  waiting: number
}

/** Rough bookkeeping cost of one entry beyond its body (key, headers, object). */
const ENTRY_OVERHEAD = 512

export class SharedGets {
  readonly stats: SharedStats = { calls: 0, joined: 0, cached: 0, aborted: 0 }
  private readonly inFlight = new Map<string, Flight>()
  private readonly cache: LRUCache<string, SharedAnswer> | undefined

  constructor (private readonly options: SharedGetsOptions) {
    this.cache = options.ttlMs > 0 && options.maxBytes > 0
      ? new LRUCache<string, SharedAnswer>({
        maxSize: options.maxBytes,
        sizeCalculation: (answer, key) => answer.body.length + (answer.decoded === answer.body ? 0 : answer.decoded.length) + key.length + ENTRY_OVERHEAD,
        ttl: options.ttlMs,
        ttlAutopurge: true
      })
      : undefined
  }

  /** Bytes the cache holds now. */
  get cachedBytes (): number {
    return this.cache?.calculatedSize ?? 0
  }

  /**
   * Answers from the cache, or joins the identical call in flight, or starts
   * `call` with a signal that aborts once every caller has gone. `signal` is
   * this caller's own; when it aborts, this caller gets `gone()`. Only
   * `cacheable` answers (public data) are ever cached.
   */
  run (key: string, signal: CallSignal | undefined, gone: () => unknown, call: (signal: CallSignal) => Promise<SharedResult>, cacheable = true): Promise<SharedResult> {
    const hit = cacheable ? this.cache?.get(key) : undefined
    if (hit !== undefined) {
      this.stats.cached++
      return Promise.resolve(hit)
    }
    let flight = this.options.shareInFlight ? this.inFlight.get(key) : undefined
    if (flight === undefined) flight = this.start(key, call, cacheable)
    else this.stats.joined++
    return this.follow(flight, signal, gone)
  }

  private start (key: string, call: (signal: CallSignal) => Promise<SharedResult>, cacheable: boolean): Flight {
    this.stats.calls++
    const controller = new LightAbort()
    const flight: Flight = { key, settled: false, controller, waiting: 0, promise: Promise.resolve(undefined as never) }
    flight.promise = call(controller.signal).then(answer => {
      if (cacheable && !('stream' in answer)) this.cache?.set(key, answer)
      return answer
    }).finally(() => {
      flight.settled = true
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key)
    })
    // Nobody may be left to read a failure.
    flight.promise.catch(() => {})
    if (this.options.shareInFlight) this.inFlight.set(key, flight)
    return flight
  }

  private follow (flight: Flight, signal: CallSignal | undefined, gone: () => unknown): Promise<SharedResult> {
    flight.waiting++
    if (signal === undefined) return flight.promise
    if (signal.aborted) {
      this.leave(flight)
      return Promise.reject(gone())
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.leave(flight)
        reject(gone())
      }
      signal.addEventListener('abort', onAbort, { once: true })
      flight.promise.then(answer => {
        signal.removeEventListener('abort', onAbort)
        resolve(answer)
      }, (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      })
    })
  }

  private leave (flight: Flight): void {
    flight.waiting--
    if (flight.waiting > 0 || flight.settled || flight.controller.aborted) return
    this.stats.aborted++
    flight.controller.abort()
    // A flight nobody follows must not be joined by the next caller: it is being aborted.
    if (this.inFlight.get(flight.key) === flight) this.inFlight.delete(flight.key)
  }
}

// One KuCoin HTTP call through undici's dispatch API. undici's request()
// wraps every answer in a Readable, an AsyncResource and an abort listener;
// the envelope check reads a small body whole anyway, so here the body is a
// plain queue of chunks behind an async iterator, with backpressure for the
// large bodies that stream (undici is paused while the reader is behind).
import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import type { CallSignal } from '../light-abort.js'

export interface UpstreamAnswer {
  statusCode: number
  headers: IncomingHttpHeaders
  body: UpstreamBody
}

/** Bytes queued ahead of the reader before undici is paused. */
const HIGH_WATER = 64 * 1024

/** Thrown into the call when its signal aborts (the caller maps it by the signal, not by this). */
class CallAborted extends Error {
  constructor () {
    super('the call was aborted')
    this.name = 'AbortError'
  }
}

/**
 * The body of one answer, read once through its async iterator. `ended` is
 * true once undici delivered the last byte; `abort()` gives the socket back
 * (an unread or half-read body).
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  ended = false
  private readonly queue: Buffer[] = []
  private queued = 0
  private error: Error | undefined
  private waiter: { resolve: (r: IteratorResult<Buffer>) => void, reject: (e: Error) => void } | undefined
  private done = false

  constructor (private readonly controller: Dispatcher.DispatchController) {}

  /** From undici: a chunk. */
  push (chunk: Buffer): void {
    if (this.done) return
    if (this.waiter !== undefined) {
      const { resolve } = this.waiter
      this.waiter = undefined
      resolve({ value: chunk, done: false })
      return
    }
    this.queue.push(chunk)
    this.queued += chunk.length
    if (this.queued > HIGH_WATER) this.controller.pause()
  }

  /** From undici: the end, or the error that cut the body. */
  finish (error?: Error): void {
    if (error === undefined) this.ended = true
    else this.error = error
    const waiter = this.waiter
    this.waiter = undefined
    if (waiter === undefined) return
    if (error === undefined) waiter.resolve({ value: undefined, done: true })
    else waiter.reject(error)
  }

  /** Stops reading: undici drops the rest and the connection. */
  abort (): void {
    if (this.done) return
    this.done = true
    this.queue.length = 0
    if (!this.ended && this.error === undefined) this.controller.abort(new CallAborted())
  }

  [Symbol.asyncIterator] (): AsyncIterator<Buffer> {
    return {
      next: async () => await this.next(),
      return: async () => {
        this.abort()
        return { value: undefined, done: true }
      }
    }
  }

  private async next (): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift()
    if (chunk !== undefined) {
      this.queued -= chunk.length
      if (this.controller.paused && this.queued <= HIGH_WATER) this.controller.resume()
      return { value: chunk, done: false }
    }
    if (this.error !== undefined) throw this.error
    if (this.ended || this.done) return { value: undefined, done: true }
    return await new Promise((resolve, reject) => { this.waiter = { resolve, reject } })
  }
}

/**
 * Sends one request on `dispatcher`; resolves with the status and headers
 * once they arrive, rejects on any error before that. Errors after the head
 * surface from the body's iterator. `signal` aborts the call at any stage.
 */
export function callUpstream (dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal?: CallSignal): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    let body: UpstreamBody | undefined
    let controller: Dispatcher.DispatchController | undefined
    let aborted = signal?.aborted === true
    const onAbort = (): void => {
      aborted = true
      controller?.abort(new CallAborted())
    }
    const release = (): void => { signal?.removeEventListener('abort', onAbort) }
    if (signal !== undefined && !aborted) signal.addEventListener('abort', onAbort, { once: true })
    dispatcher.dispatch(options, {
      onRequestStart (c) {
        controller = c
        if (aborted) c.abort(new CallAborted())
      },
      onResponseStart (c, statusCode, headers) {
        // 1xx answers are informational; the real head follows.
        if (statusCode < 200) return
        body = new UpstreamBody(c)
        resolve({ statusCode, headers, body })
      },
      onResponseData (_c, chunk) { body?.push(chunk) },
      onResponseEnd () {
        release()
        body?.finish()
      },
      onResponseError (_c, error) {
        release()
        if (body === undefined) reject(error)
        else body.finish(error)
      }
    })
  })
}

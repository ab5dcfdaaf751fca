// The abort signal a KuCoin call carries (its caller went away, or every
// sharer of a shared call did). Node's AbortController builds an EventTarget
// per instance, a few µs that every proxied request paid twice (its caller's
// signal and its shared call's); this one is a flag and a short list. A real
// AbortSignal fits the same interface, so callers may pass either.

export interface CallSignal {
  readonly aborted: boolean
  addEventListener (type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener (type: 'abort', listener: () => void): void
}

/** Aborts once; each listener runs once, in the order added, and is then forgotten. */
export class LightAbort implements CallSignal {
  aborted = false
  private listeners: Array<() => void> | undefined

  /** The signal side, for symmetry with AbortController: the same object. */
  get signal (): CallSignal {
    return this
  }

  addEventListener (_type: 'abort', listener: () => void): void {
    if (this.aborted) return
    if (this.listeners === undefined) this.listeners = [listener]
    else this.listeners.push(listener)
  }

  removeEventListener (_type: 'abort', listener: () => void): void {
    const listeners = this.listeners
    if (listeners === undefined) return
    const at = listeners.indexOf(listener)
    if (at !== -1) listeners.splice(at, 1)
  }

  abort (): void {
    if (this.aborted) return
    this.aborted = true
    const listeners = this.listeners
    this.listeners = undefined
    if (listeners !== undefined) for (const listener of listeners) listener()
  }
}

// Who a KuCoin call is made for, when the call is made deep inside a GraphQL
// resolver that cannot pass it along: the /graphql route sets it for the
// request (AsyncLocalStorage), upstream.ts reads it and hands it to the
// client explicitly. Nothing else reads it, so shared work a request happens
// to start (a feed's bullet call) never inherits the request's abort signal.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { CallSignal } from '../light-abort.js'

export interface CallContext {
  /** Fair-share key: `token:<name>`, or `ip:<address>` when no tokens are configured. */
  caller: string
  /** Aborts when the request's client goes away. */
  signal?: CallSignal
}

export const callContext = new AsyncLocalStorage<CallContext>()

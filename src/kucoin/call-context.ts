// Who a KuCoin call is made for, when the call is made deep inside a GraphQL
// resolver that cannot pass it along: the /graphql route sets it for the
// request (AsyncLocalStorage), client.data() reads it. Calls made outside any
// request (time sync, bullet tokens for the WebSocket feeds) belong to `gateway`.
import { AsyncLocalStorage } from 'node:async_hooks'

export interface CallContext {
  /** Fair-share key: `token:<name>`, or `ip:<address>` when no tokens are configured. */
  caller: string
  /** Aborts when the request's client goes away. */
  signal?: AbortSignal
}

export const callContext = new AsyncLocalStorage<CallContext>()

export const GATEWAY_CALLER = 'gateway'

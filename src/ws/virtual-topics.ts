// Topics the gateway makes itself (`/gateway/...`) rather than relays from
// KuCoin. downstream.ts hands their subscribe and unsubscribe frames, and its
// sockets' drain and close, to a provider (src/books/ws-topics.ts serves
// `/gateway/book:{symbol}`); everything else about the session (token, ping,
// frame-rate and topic-count limits) stays the same.
import type { Market } from '../kucoin/catalog.js'
import type { HubClient } from './hub.js'

export const VIRTUAL_PREFIX = '/gateway/'

export interface VirtualReply {
  /** The topic is served: send the ack (when asked for) before anything of the topic. */
  ok: () => void
  /** Refused, in KuCoin's terms; the topic is not held. */
  refuse: (code: number, message: string) => void
}

export interface VirtualTopics {
  subscribe: (client: HubClient, market: Market, topic: string, since: number | undefined, reply: VirtualReply) => void
  unsubscribe: (client: HubClient, market: Market, topic: string) => void
  /** The client's socket drained. */
  drained: (client: HubClient) => void
  /** The client went away. */
  remove: (client: HubClient) => void
}

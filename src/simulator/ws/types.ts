// The WebSocket half's options with their defaults applied, and the error
// frame texts KuCoin uses (PROTOCOL §3.3 "WebSocket error codes", §5.5).
import type { WsOptions } from '../types.js'

const DAY_MS = 86_400_000

export type WsLimits = Required<WsOptions>

export function resolveWsLimits (options: WsOptions = {}): WsLimits {
  const pingIntervalMs = options.pingIntervalMs ?? 18_000
  const pingTimeoutMs = options.pingTimeoutMs ?? 10_000
  return {
    tokenTtlMs: options.tokenTtlMs ?? DAY_MS,
    pingIntervalMs,
    pingTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? pingIntervalMs + pingTimeoutMs,
    maxConnectionMs: options.maxConnectionMs ?? DAY_MS,
    maxConnections: options.maxConnections ?? 800,
    maxNewConnectionsPerMinute: options.maxNewConnectionsPerMinute ?? Infinity,
    maxTopicsPerSubscribe: options.maxTopicsPerSubscribe ?? 100,
    maxTopicsPerConnection: options.maxTopicsPerConnection ?? 300,
    maxClientMessages: options.maxClientMessages ?? 100,
    clientMessageWindowMs: options.clientMessageWindowMs ?? 10_000,
    pushIntervalMs: options.pushIntervalMs ?? 100,
    instrumentIntervalMs: options.instrumentIntervalMs ?? 1000,
    snapshotIntervalMs: options.snapshotIntervalMs ?? 2000,
    fundingIntervalMs: options.fundingIntervalMs ?? 60_000,
    anySymbol: options.anySymbol ?? false
  }
}

/** A WebSocket error: `{"id","type":"error","code":<int>,"data":"<text>"}`. */
export interface WsError { code: number, data: string }

export const WS_ERRORS = {
  tokenInvalid: { code: 401, data: 'token is invalid' },
  busy: { code: 509, data: 'service busy, please retry later' },
  tooManyMessages: { code: 509, data: 'exceed max permits per second' },
  pingTimeout: { code: 400, data: 'ping timeout' },
  typeUnsupported: { code: 415, data: 'type is not supported' },
  topicRequired: { code: 406, data: 'topic is required' },
  loginRequired: { code: 403, data: 'login is required' },
  sessions: (max: number): WsError => ({ code: 509, data: `exceed max session count limitation of ${max}` }),
  perTime: (max: number): WsError => ({ code: 509, data: `exceed max subscription count limitation of ${max} per time` }),
  perSession: (max: number): WsError => ({ code: 509, data: `exceed max subscription count limitation of ${max} per session` }),
  notFound: (topic: string): WsError => ({ code: 404, data: `topic ${topic} is not found` })
} as const

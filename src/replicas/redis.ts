// The one place replica mode opens Redis connections. Every command fails
// fast: a sick Redis must cost callers at most the command timeout, never a
// queue of waiting requests, so there is no offline queue and no retry of a
// command; the connection itself reconnects with capped backoff.
import { Redis } from 'ioredis'
import type { Config } from '../config.js'

export type RedisClient = Redis

/** A new connection; `subscriber` connections get no command timeout (SUBSCRIBE/XREAD BLOCK wait by design). */
export function connectRedis (settings: Config['replicas'], role: 'commands' | 'leases' | 'subscriber' = 'commands'): Redis {
  if (settings.redisUrl === undefined) throw new Error('replica mode is off: KGW_REDIS_URL is not set')
  return new Redis(settings.redisUrl, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: role === 'subscriber' ? undefined : settings.commandTimeoutMs,
    connectTimeout: Math.max(settings.commandTimeoutMs * 10, 1000),
    // Reconnect forever, quickly at first, never more than 1 s apart: failover needs Redis back soon.
    retryStrategy: attempt => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
    connectionName: `${settings.keyPrefix}${settings.replicaId}:${role}`
  })
}

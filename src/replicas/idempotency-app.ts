// Replica mode's shared idempotency store, wired into an app: its own Redis
// connection (fail-fast, like every replica connection), closed with the app.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { RedisStore } from '../orders/redis-store.js'
import { connectRedis } from './redis.js'

/** Undefined without KGW_REDIS_URL: placements then keep their records in this process. */
export function sharedIdempotencyStore (config: Config, app: FastifyInstance): RedisStore | undefined {
  const settings = config.replicas
  if (settings.redisUrl === undefined) return undefined
  const redis = connectRedis(settings)
  // Failures reach callers as 503 idempotency-store-unavailable; the budget's connection logs Redis going away.
  redis.on('error', () => {})
  app.addHook('onClose', async () => { redis.disconnect() })
  return new RedisStore({
    redis,
    keyPrefix: settings.keyPrefix,
    replicaId: settings.replicaId,
    ttlMs: config.orders.ttlMs,
    readyWaitMs: settings.commandTimeoutMs,
    // The same lease as an upstream slot's: a replica that died is taken over after it.
    leaseMs: config.replicaStreams.leaseTtlMs
  })
}

// Replica mode's shared budget, wired into an app: its own Redis connection,
// the governor told to reserve there, presence announced from start to close.
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import type { Governor } from '../kucoin/governor/governor.js'
import { SharedBudget } from './budget.js'
import { connectRedis } from './redis.js'

/** Undefined without KGW_REDIS_URL: the governor then counts alone, as it always did. */
export function sharedBudget (config: Config, governor: Governor, app: FastifyInstance): SharedBudget | undefined {
  const settings = config.replicas
  if (settings.redisUrl === undefined) return undefined
  const redis = connectRedis(settings)
  watch(redis, app)
  const budget = new SharedBudget({
    redis,
    keyPrefix: settings.keyPrefix,
    replicaId: settings.replicaId,
    apiKey: config.credentials?.key,
    windowMs: config.rateLimit.windowMs,
    marginMs: config.rateLimit.marginMs,
    ...settings.budget
  })
  governor.useShared(budget)
  budget.start()
  app.addHook('onClose', async () => {
    await budget.close()
    redis.disconnect()
  })
  return budget
}

/** One log line when Redis goes and one when it is back, not one per reconnect attempt. */
function watch (redis: Redis, app: FastifyInstance): void {
  let down = false
  redis.on('error', (error: Error) => {
    if (down) return
    down = true
    app.log.warn({ err: error.message }, 'redis unavailable: the KuCoin budget falls back to this replica\'s share')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    app.log.info('redis reachable again: the KuCoin budget is shared again')
  })
}

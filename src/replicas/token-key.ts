// Replica mode's WebSocket token key: one key for the whole group, so a token
// from one replica's bullet opens a WebSocket on any other (a load balancer may
// send the two requests to different replicas). The key lives in Redis under
// `<prefix>ws:token-key`. Each replica offers the key it signs with (SET NX:
// on an empty Redis the first offer wins, and a Redis that lost the key, say
// restarted without persistence, gets the group's key back from the first
// replica that refreshes) and then signs with whatever Redis holds. Keys it
// signed with before still check their tokens until those expire (tokens.ts).
//
// Redis down must not stop a gateway, as for the budget: start waits for the
// key at most as long as a Redis connect may take, then signs with its own
// random key; those tokens work on this replica only, and other replicas
// refuse them as `token is expired`, on which clients fetch a new bullet.
// Refreshed on every (re)connect and every TOKEN_KEY_REFRESH_MS.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { TOKEN_KEY_BYTES, tokenKey } from '../ws/token-codec.js'
import type { WsTokens } from '../ws/tokens.js'
import { tokenKeyName } from './keys.js'
import { connectRedis, type RedisClient } from './redis.js'

export const TOKEN_KEY_REFRESH_MS = 10_000

export interface TokenKeyLog {
  info: (o: object, m: string) => void
  warn: (o: object, m: string) => void
}

export class SharedTokenKey {
  private badValueLogged = false

  constructor (private readonly redis: RedisClient, private readonly name: string, private readonly tokens: WsTokens, private readonly log: TokenKeyLog) {}

  /** True once this process signs with the group's key; rejects when Redis cannot be asked. */
  async refresh (): Promise<boolean> {
    await this.redis.set(this.name, this.tokens.signingKey.secret.toString('base64url'), 'NX')
    const value = await this.redis.get(this.name)
    if (value === null) return false // deleted between the two commands: the next refresh offers again
    const secret = Buffer.from(value, 'base64url')
    if (secret.length !== TOKEN_KEY_BYTES) {
      if (!this.badValueLogged) this.log.warn({ key: this.name }, `WebSocket tokens: the group's key in Redis is not ${TOKEN_KEY_BYTES} bytes of base64url; signing with this replica's own key`)
      this.badValueLogged = true
      return false
    }
    this.badValueLogged = false
    const key = tokenKey(secret)
    // The id names the key without revealing it: replicas logging the same id share a key.
    if (this.tokens.useKey(key)) this.log.info({ keyId: key.id.toString('hex') }, 'WebSocket tokens: signing with the replica group\'s key')
    return true
  }
}

/** Nothing without KGW_REDIS_URL: the process keeps its own random key, and a restart invalidates its tokens. */
export function sharedTokenKey (config: Config, tokens: WsTokens, app: FastifyInstance): SharedTokenKey | undefined {
  const settings = config.replicas
  if (settings.redisUrl === undefined) return undefined
  const redis = connectRedis(settings)
  // The budget's and the replication's connections already log Redis going away.
  redis.on('error', () => {})
  const log = app.log.child({ component: 'replicas' })
  const shared = new SharedTokenKey(redis, tokenKeyName(settings.keyPrefix), tokens, log)
  let adopted: () => void = () => {}
  const first = new Promise<void>(resolve => { adopted = resolve })
  const refresh = (): void => { shared.refresh().then(ok => { if (ok) adopted() }, () => {}) }
  redis.on('ready', refresh)
  const timer = setInterval(() => { if (redis.status === 'ready') refresh() }, TOKEN_KEY_REFRESH_MS).unref()
  app.addHook('onReady', async () => {
    const waitMs = Math.max(settings.commandTimeoutMs * 10, 1000) // connectRedis's connect timeout
    let wait: NodeJS.Timeout | undefined
    const gotKey = await Promise.race([first.then(() => true), new Promise<boolean>(resolve => { wait = setTimeout(resolve, waitMs, false) })])
    clearTimeout(wait)
    if (!gotKey) log.warn({}, 'WebSocket tokens: Redis did not provide the replica group\'s key in time; until it does, this replica\'s tokens work only on this replica')
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    redis.disconnect()
  })
  return shared
}

// WebSocket tokens across replicas (src/replicas/token-key.ts): a bullet from
// one gateway opens a WebSocket on another, as behind a load balancer that
// sends the two requests to different replicas. A gateway that starts while
// Redis is down still starts and serves its own tokens; once Redis is back
// (empty, as compose's Redis after a restart) the group signs with one key
// again, and tokens handed out before keep working where they did.
// Three in-process gateways, one simulator, one real redis-server. Then the
// key's life in Redis: a written key is adopted (rotation), a bad one is not.
import t from 'tap'
import WebSocket from 'ws'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config.js'
import { tokenKeyName } from '../../src/replicas/keys.js'
import { connectRedis } from '../../src/replicas/redis.js'
import { SharedTokenKey } from '../../src/replicas/token-key.js'
import { WsTokens } from '../../src/ws/tokens.js'
import { startSimulator } from '../../src/simulator/index.js'
import { redisUnavailable, startRedis } from '../redis-server.js'
import { bullet, until } from '../ws/ws-client.js'
import { startReplicas, type Replica } from './budget-gateways.js'

const missing = redisUnavailable()
const PREFIX = 'tokens:'

/** The first frame a WebSocket gets with this token: `welcome`, or KuCoin's 401 error. */
function firstFrame (replica: Replica, token: string, market = 'spot'): Promise<Record<string, any>> {
  const ws = new WebSocket(`${replica.url.replace('http', 'ws')}/${market}/ws?token=${token}&connectId=c`)
  ws.on('error', () => {})
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no first frame within 10 s')) }, 10_000)
    ws.once('message', data => { clearTimeout(timer); resolve(JSON.parse(data.toString())); ws.terminate() })
  })
}

async function opens (replica: Replica, token: string): Promise<boolean> {
  return (await firstFrame(replica, token)).type === 'welcome'
}

t.test('a bullet from one replica opens a WebSocket on another; Redis down at start, then back empty', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const sim = await startSimulator()
  t.teardown(() => sim.close())
  const env = { KGW_REDIS_URL: redis.url, KGW_REDIS_PREFIX: PREFIX }
  const [a, b] = await startReplicas(t, sim, 2, env)

  const fromA = await bullet(a!.url, 'spot')
  const ws = new WebSocket(`${b!.url.replace('http', 'ws')}/spot/ws?token=${fromA.token}&connectId=cross`)
  ws.on('error', () => {})
  t.teardown(() => ws.terminate())
  const frames: Array<Record<string, any>> = []
  ws.on('message', data => frames.push(JSON.parse(data.toString())))
  await until(() => frames.length > 0, 10_000, 'welcome')
  t.match(frames[0], { type: 'welcome', id: 'cross' }, 'A\'s token: welcome on B')
  ws.send(JSON.stringify({ id: 'sub', type: 'subscribe', topic: '/market/ticker:BTC-USDT', response: true }))
  await until(() => frames.some(f => f.id === 'sub'), 15_000, 'the subscribe answer')
  t.match(frames.find(f => f.id === 'sub'), { type: 'ack' }, 'and a subscribe on B is acked')
  t.ok(await opens(a!, (await bullet(b!.url, 'spot')).token), 'B\'s token: welcome on A')
  t.match(await firstFrame(b!, (await bullet(a!.url, 'futures')).token), { type: 'error', code: 401, data: 'token is invalid' }, 'A\'s futures token on B\'s /spot/ws: still the market check')

  await redis.stop(true)
  const [c] = await startReplicas(t, sim, 1, { ...env, KGW_REPLICA_ID: 'replica-c' })
  t.pass('a gateway starts while Redis is down')
  const fromCAlone = (await bullet(c!.url, 'spot')).token
  t.ok(await opens(c!, fromCAlone), 'its tokens work on itself')
  t.match(await firstFrame(a!, fromCAlone), { type: 'error', code: 401, data: 'token is expired' }, 'and are refused elsewhere as expired (clients fetch a new bullet)')

  await redis.start()
  // Every replica offers its key on reconnect; whichever Redis takes first, all of them sign with it.
  const witness = new Redis(redis.url)
  t.teardown(() => witness.disconnect())
  const everywhere = async (): Promise<boolean> => {
    for (const from of [a!, b!, c!]) {
      const token = (await bullet(from.url, 'spot')).token
      for (const to of [a!, b!, c!]) if (!await opens(to, token)) return false
    }
    return true
  }
  const deadline = Date.now() + 20_000
  while (!await everywhere()) {
    if (Date.now() > deadline) throw new Error('the replicas did not agree on a key within 20 s')
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  t.pass('Redis back: a bullet from any replica opens on every replica')
  t.match(await witness.get(tokenKeyName(PREFIX)), /^[\w-]{43}$/, 'the group key in Redis: 32 bytes, base64url')
  t.ok(await opens(b!, fromA.token), 'A\'s token from before the restart still opens on B')
  t.ok(await opens(c!, fromCAlone), 'C\'s token from while Redis was down still opens on C')
})

t.test('the group key in Redis: offered when absent, adopted when replaced, a bad value ignored', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const connection = connectRedis(loadConfig({ KGW_REDIS_URL: redis.url, KGW_REDIS_COMMAND_TIMEOUT_MS: '2000' }).replicas)
  connection.on('error', () => {})
  t.teardown(() => connection.disconnect())
  await new Promise(resolve => connection.once('ready', resolve))
  const warnings: string[] = []
  const tokens = new WsTokens(3_600_000)
  const name = tokenKeyName(PREFIX)
  const shared = new SharedTokenKey(connection, name, tokens, { info: () => {}, warn: (_o, m) => { warnings.push(m) } })
  const own = tokens.signingKey
  t.equal(await shared.refresh(), true)
  t.equal(await connection.get(name), own.secret.toString('base64url'), 'an empty Redis takes the key offered')
  t.equal(tokens.signingKey, own, 'which the replica keeps signing with')
  const before = tokens.issue('spot', false)

  const rotated = Buffer.alloc(32, 7).toString('base64url')
  await connection.set(name, rotated)
  t.equal(await shared.refresh(), true)
  t.equal(tokens.signingKey.secret.toString('base64url'), rotated, 'a key written to Redis is adopted (rotation)')
  t.ok('grant' in tokens.verify(before, 'spot'), 'tokens signed with the old key still open')

  await connection.set(name, 'not-a-key')
  t.equal(await shared.refresh(), false)
  t.equal(await shared.refresh(), false)
  t.equal(tokens.signingKey.secret.toString('base64url'), rotated, 'a value that is not 32 bytes is not adopted')
  t.equal(warnings.length, 1, 'and is warned about once')
})

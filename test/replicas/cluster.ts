// Several real gateway processes in replica mode: one in-process simulator
// (the witness: how many upstream connections and subscriptions KuCoin sees),
// one real redis-server, and N `node --import tsx src/server.ts` children, each
// killable with any signal. Teardown always SIGCONTs and SIGKILLs what is left.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { DEMO_KEY, startSimulator, type Simulator } from '../../src/simulator/index.js'
import type { TestContext } from '../helper.js'
import { startRedis, type RedisServer } from '../redis-server.js'
import { TSX_LOADER } from '../loader/child.js'

const entry = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

export interface Replica {
  id: string
  url: string
  child: ChildProcess
  out: () => string
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string | null>
  /** GET a path, JSON; rejects after `timeoutMs` (a stopped process never answers). */
  json: <T = any>(path: string, timeoutMs?: number) => Promise<{ status: number, body: T }>
  metric: (name: string, labels?: string) => Promise<number | undefined>
}

export interface Cluster {
  sim: Simulator
  redis: RedisServer
  /** A plain client on the cluster's Redis, for reading the bus as a witness. */
  client: Redis
  prefix: string
  replicas: Replica[]
  /** Starts another replica with the cluster's settings; `alone`: the same gateway without Redis, for side-by-side runs. */
  add: (id: string, alone?: boolean) => Promise<Replica>
}

export const TEST_LEASE_TTL_MS = 1500

function replicaEnv (sim: Simulator, redis: RedisServer, prefix: string, id: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    // The children run under tsx, whose source maps differ from tap's loader: keep their coverage out.
    _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    KUCOIN_SPOT_URL: sim.spotUrl,
    KUCOIN_FUTURES_URL: sim.futuresUrl,
    KUCOIN_API_KEY: DEMO_KEY.key,
    KUCOIN_API_SECRET: DEMO_KEY.secret,
    KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase,
    KUCOIN_API_KEY_VERSION: String(DEMO_KEY.version),
    KGW_REDIS_URL: redis.url,
    KGW_REDIS_PREFIX: prefix,
    KGW_REPLICA_ID: id,
    KGW_REPLICA_LEASE_TTL_MS: String(TEST_LEASE_TTL_MS),
    KGW_SHUTDOWN_TIMEOUT_MS: '5000',
    // Redis answering slowly is not these tests' subject: on a loaded machine a 100 ms command
    // timeout (the default) turns a busy moment into a 503. Tests of Redis failing set their own.
    KGW_REDIS_COMMAND_TIMEOUT_MS: '1000',
    ...extra
  }
}

async function launch (env: Record<string, string>, id: string): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, entry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | string | null>(resolve => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const deadline = Date.now() + 180_000
  let url: string | undefined
  while (url === undefined) {
    url = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1]
    if (url !== undefined) break
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`replica ${id} did not start: ${out.slice(-2000)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const base = url
  const json: Replica['json'] = async (path, timeoutMs = 3000) => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(timeoutMs) })
    return { status: res.status, body: await res.json() as any }
  }
  const metric: Replica['metric'] = async (name, labels = '') => {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(3000) })).text()
    const line = text.split('\n').find(l => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return { id, url: base, child, out: () => out, exited, json, metric }
}

export async function startCluster (t: TestContext, count: number, extra: Record<string, string> = {}): Promise<Cluster> {
  const redis = await startRedis(t)
  const sim = await startSimulator()
  t.teardown(() => sim.close())
  const prefix = `kgwtest${process.pid}:`
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => client.disconnect())
  const replicas: Replica[] = []
  t.teardown(() => {
    // KGW_TEST_REPLICA_LOGS=dir keeps each replica's log lines for a post-mortem.
    const dir = process.env.KGW_TEST_REPLICA_LOGS
    if (dir !== undefined) for (const replica of replicas) writeFileSync(`${dir}/${replica.id}.log`, replica.out())
    for (const replica of replicas) {
      if (replica.child.exitCode !== null || replica.child.signalCode !== null) continue
      replica.child.kill('SIGCONT')
      replica.child.kill('SIGKILL')
    }
  })
  const add = async (id: string, alone = false): Promise<Replica> => {
    const env = replicaEnv(sim, redis, prefix, id, extra)
    if (alone) delete env.KGW_REDIS_URL
    const replica = await launch(env, id)
    replicas.push(replica)
    return replica
  }
  await Promise.all(Array.from({ length: count }, async (_, i) => await add(`r${i + 1}`)))
  replicas.sort((a, b) => a.id.localeCompare(b.id))
  return { sim, redis, client, prefix, replicas, add }
}

/** The replica whose /readyz says it owns the slot, once exactly one of the live ones does. */
export async function ownerOf (replicas: Replica[], slot: 'spot' | 'futures', timeoutMs = 10_000): Promise<Replica> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const owners: Replica[] = []
    for (const replica of replicas) {
      const ready = await replica.json('/readyz', 1000).catch(() => undefined)
      if (ready?.body?.checks?.replicas?.slots?.[slot]?.owner === true) owners.push(replica)
    }
    if (owners.length === 1) return owners[0]!
    if (Date.now() > deadline) throw new Error(`no single ${slot} owner (${owners.map(o => o.id).join(', ') || 'none'})`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** How many upstream subscriptions the simulator holds for each topic, across every connection. */
export function upstreamSubscriptions (sim: Simulator): Map<string, number> {
  const counts = new Map<string, number>()
  for (const connection of sim.ws.subscriptions()) {
    for (const topic of connection.topics) counts.set(topic, (counts.get(topic) ?? 0) + 1)
  }
  return counts
}

/** A frame on a topic the test numbers itself, so each client's stream can be checked for loss, duplicates and order. */
export function numbered (topic: string, n: number, subject = 'trade.ticker'): string {
  return JSON.stringify({ type: 'message', topic, subject, data: { n, sentAt: Date.now(), price: '1', sequence: String(n) } })
}

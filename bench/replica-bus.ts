// bench/replica-bus: what replica mode's bus costs a WebSocket frame (issue 16
// target: bus p99 ≤ 10 ms at 2k msg/s, 0 loss, 0 reordering). One simulator
// (in this process, publishing), one real redis-server, three gateways from
// dist/ on the same simulator feed:
//   alone:    no Redis; its own upstream subscription, frames straight to its hub;
//   owner:    KGW_REDIS_URL; holds the spot slot's lease, publishes each frame
//             into the slot's Stream and fans out what it reads back;
//   follower: the same Redis; no upstream subscription, fans out what it reads.
// One client per gateway over /spot/ws (a bench/clients.ts process each) on an
// event topic (never conflated), so every frame is owed to every client. Each
// frame carries a publish number and its send time; per path: received, lost
// (numbers never seen), duplicated, reordered, and p50/p99 from the
// simulator's send to the client's receive. follower − alone is the bus.
// The replicas get a 10 s lease and 1 s command timeout (STEADY_OWNER) so the
// slot stays put on a loaded machine. Pinning as the other benches: the
// gateways on CPU 0, this process and the clients (the generator) on CPU 1;
// redis-server is not pinned.
//   BENCH_SECONDS (default 10) measured per round; REPLICA_BUS_RATE (2000) msgs/s;
//   REPLICA_BUS_ROUNDS (3); extra gateway settings as NAME=value in REPLICA_BUS_ENV.
import { Redis } from 'ioredis'
import { startSimulator } from '../src/simulator/index.js'
import { redisUnavailable, startRedis } from '../test/redis-server.js'
import { now, publishFor, sleep, type Frame } from './lib/deliveries.js'
import { canPin, pinSelf, procStat, startClientProcesses, startRole, stopAll, type ClientProcess } from './lib/processes.js'
import { sequenceStats, type SequenceStats } from './lib/sequences.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const RATE = Number(process.env.REPLICA_BUS_RATE ?? 2000)
const ROUNDS = Number(process.env.REPLICA_BUS_ROUNDS ?? 3)
const WARMUP_SECONDS = 2
const EXTRA = (process.env.REPLICA_BUS_ENV ?? '').split(/\s+/).filter(Boolean)
const TOPIC = '/market/match:BTC-USDT'
const PREFIX = 'benchbus:'
/** Above this share of its core the generator is saturated: its numbers are its own limit, not the gateways'. */
const SATURATED = 0.85
const TARGET_P99_MS = 10
/** bench/serve.ts's quotas for its simulator and gateways: out of the way. */
const UNLIMITED = Object.fromEntries(['Public', 'Spot', 'Futures', 'Management', 'Earn', 'CopyTrading', 'Broker'].map(pool => [pool, 10_000_000]))
/**
 * The lease and command timeout of test/replicas/bus.test.ts, this bench's twin:
 * with the defaults (2 s lease, 100 ms commands) a loaded machine lets the lease lapse and the
 * slot moves mid-run, which is failover (test/replicas/failover*.test.ts), not the bus.
 * REPLICA_BUS_ENV may set them back.
 */
const STEADY_OWNER = ['KGW_REPLICA_LEASE_TTL_MS=10000', 'KGW_REDIS_COMMAND_TIMEOUT_MS=1000']

const PATHS = ['alone', 'owner', 'follower'] as const
type PathName = typeof PATHS[number]

interface Report { received: number, latencies: number[], cpuMs: number, sequences: number[][] }

interface PathResult extends SequenceStats { latencies: number[], p99s: number[], cpuSeconds: number }

const pad = 'x'.repeat(180) // a KuCoin match frame is about 300 bytes

/** Frames numbered across the whole run, so a client's list shows every gap, repeat and inversion. */
function numberedFrames (): { frame: Frame, last: () => number } {
  let n = 0
  const frame: Frame = (_, measured) =>
    `{"type":"message","topic":"${TOPIC}","subject":"trade.l3match","data":{"t":${now()},"m":${measured ? 1 : 0},"n":${++n},"pad":"${pad}"}}`
  return { frame, last: () => n }
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

/** Polls the gateway's /readyz until it owns the spot slot. */
async function ownsSpot (url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const body = await (await fetch(`${url}/readyz`)).json().catch(() => undefined) as any
    if (body?.checks?.replicas?.slots?.spot?.owner === true) return
    await sleep(100)
  }
  throw new Error('the owner gateway did not take the spot slot')
}

/** A /spot/ws URL with a token of that gateway's own. */
async function wsUrl (url: string): Promise<string> {
  const res = await fetch(`${url}/spot/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  return `${data.instanceServers[0]!.endpoint}?token=${data.token}`
}

/** The replica counters on a gateway's /metrics for the spot slot that say something went wrong on the bus. */
async function busTrouble (url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const out: Record<string, number> = {}
  for (const name of ['gaps', 'missed', 'fallbacks', 'recovered']) {
    const line = text.split('\n').find(l => l.startsWith(`kgw_replica_bus_${name}_total{`) && l.includes('slot="spot"'))
    out[name] = line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  for (const name of ['owner_changes', 'stale_publishes_rejected']) {
    const line = text.split('\n').find(l => l.startsWith(`kgw_replica_${name}_total{`) && l.includes('slot="spot"'))
    out[name] = line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return out
}

/** Redis's own CPU (user + system seconds), and the bus's commands so far (publishes, reads), from INFO. */
async function redisCounts (redis: Redis): Promise<{ cpu: number, evalsha: number, xread: number }> {
  const info = await redis.info('all')
  const field = (pattern: string): number => Number(new RegExp(pattern).exec(info)?.[1] ?? 0)
  return {
    cpu: field('used_cpu_user:([0-9.]+)') + field('used_cpu_sys:([0-9.]+)'),
    evalsha: field('cmdstat_eval:calls=(\\d+)') + field('cmdstat_evalsha:calls=(\\d+)'),
    xread: field('cmdstat_xread:calls=(\\d+)')
  }
}

const difference = (after: Record<string, number>, before: Record<string, number>): string =>
  Object.entries(after).filter(([k, v]) => v !== before[k]).map(([k, v]) => `${k} +${v - (before[k] ?? 0)}`).join(', ') || 'none'

type Gateways = Record<PathName, { url: string, pid: number }>

/** The gateway alone, then the owner (once it holds the spot slot), then the follower. */
async function startGateways (spotUrl: string, futuresUrl: string, redisUrl: string): Promise<Gateways> {
  const base = [spotUrl, futuresUrl, 'LOG_LEVEL=error']
  // NAME=value pairs: a later one wins, so REPLICA_BUS_ENV overrides these.
  const replica = [`KGW_REDIS_URL=${redisUrl}`, `KGW_REDIS_PREFIX=${PREFIX}`, ...STEADY_OWNER]
  const gateways = {} as Gateways
  const start = async (name: PathName, args: string[]): Promise<void> => {
    const served = await startRole('gateway', [...base, ...args, ...EXTRA], 0)
    gateways[name] = { url: served.info.url!, pid: served.child.pid! }
  }
  await start('alone', [])
  await start('owner', [...replica, 'KGW_REPLICA_ID=owner'])
  await ownsSpot(gateways.owner.url)
  await start('follower', [...replica, 'KGW_REPLICA_ID=follower'])
  return gateways
}

/**
 * How far a client process's clock (its performance.timeOrigin + now()) runs ahead of this one's, in
 * ms: each process estimates the wall clock on its own at start, off by up to a millisecond or so,
 * which would otherwise land in every latency of that path. The reading with the shortest round trip wins.
 */
async function clockOffset (proc: ClientProcess): Promise<number> {
  let best = { rtt: Infinity, offset: 0 }
  for (let i = 0; i < 50; i++) {
    const sent = now()
    const { now: theirs } = await proc.ask<{ now: number }>({ type: 'clock' })
    const back = now()
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: theirs - (sent + back) / 2 }
  }
  return best.offset
}

/** One client process per path, each with one client subscribed (acked) on its gateway; their clock offsets. */
async function connectClients (gateways: Gateways, procs: ClientProcess[]): Promise<number[]> {
  const offsets: number[] = []
  for (const name of PATHS) {
    const [proc] = startClientProcesses(1, 1)
    procs.push(proc!)
    await proc!.ask({ type: 'connect', url: await wsUrl(gateways[name].url), count: 1, topic: TOPIC, sampleEvery: 1, first: 0, sequence: true })
    offsets.push(await clockOffset(proc!))
  }
  return offsets
}

interface Run {
  gateways: Gateways
  procs: ClientProcess[]
  /** Per client process, its clock's lead over this process's (ms), taken off its latencies. */
  offsets: number[]
  witness: Redis
  numbered: ReturnType<typeof numberedFrames>
  publish: (frame: string) => void
}

/** One measured round: every path's tally, and the CPU of everything involved (seconds). */
async function round (run: Run, s: Summary): Promise<void> {
  const { gateways, procs, witness, numbered } = run
  await sleep(500)
  const before = await Promise.all(procs.map(p => p.ask<Report>({ type: 'report' }))) // resets the clients' counters
  const gatewayStart = await Promise.all(PATHS.map(name => procStat(gateways[name].pid)))
  const redisStart = await redisCounts(witness)
  const cpuStart = process.cpuUsage()
  const first = numbered.last() + 1
  const count = await publishFor(SECONDS, RATE, true, numbered.frame, run.publish)
  await sleep(1000) // what is still in flight arrives
  const cpu = process.cpuUsage(cpuStart)
  const redisEnd = await redisCounts(witness)
  const gatewayEnd = await Promise.all(PATHS.map(name => procStat(gateways[name].pid)))
  const reports = await Promise.all(procs.map(p => p.ask<Report>({ type: 'report' })))
  const window = SECONDS + 1
  const clients = reports.reduce((n, r, i) => n + r.cpuMs - before[i]!.cpuMs, 0) / 1000
  const generator = (cpu.user + cpu.system) / 1e6
  s.worstGenerator = Math.max(s.worstGenerator, (generator + clients) / window)
  s.sent += count
  s.window += window
  s.generatorSeconds += generator
  s.clientSeconds += clients
  s.redisSeconds += redisEnd.cpu - redisStart.cpu
  s.evalsha += redisEnd.evalsha - redisStart.evalsha
  s.xread += redisEnd.xread - redisStart.xread
  PATHS.forEach((name, i) => {
    const report = reports[i]!
    const stats = sequenceStats(report.sequences[0] ?? [], first, first + count - 1)
    const r = s.results[name]
    r.received += stats.received
    r.lost += stats.lost
    r.duplicated += stats.duplicated
    r.reordered += stats.reordered
    const latencies = report.latencies.map(ms => ms - run.offsets[i]!)
    r.latencies.push(...latencies)
    r.p99s.push(percentile(latencies.sort((a, b) => a - b), 0.99))
    r.cpuSeconds += (gatewayEnd[i]!.cpuTicks - gatewayStart[i]!.cpuTicks) / 100
  })
}

export async function replicaBusBench (): Promise<string> {
  const missing = redisUnavailable()
  if (missing !== undefined) return `Skipped: ${missing}.`
  const cleanups: Array<() => unknown> = []
  // As bench/replica-budget: an exit on any path leaves no redis-server behind.
  const killRedis = (): void => { for (const cleanup of cleanups) Promise.resolve(cleanup()).catch(() => {}) }
  process.once('exit', killRedis)
  const redisServer = await startRedis({ teardown: fn => { cleanups.push(fn) } })
  const witness = new Redis(redisServer.url, { maxRetriesPerRequest: 0 })
  // No periodic pushes from the simulator: every frame on the topic is the benchmark's. Its quotas
  // equal the gateways' (bench/serve.ts sets both so): a gateway that believes in a larger pool than
  // KuCoin reports reserves 2 % of it as credit on its first call, and in replica mode that alone
  // spends the shared Public pool for a window, so a follower taking the slot could not get a bullet.
  const sim = await startSimulator({ ws: { pushIntervalMs: 3_600_000 }, rateLimits: UNLIMITED })
  const procs: ClientProcess[] = []
  try {
    pinSelf(1)
    const gateways = await startGateways(sim.spotUrl, sim.futuresUrl, redisServer.url)
    const offsets = await connectClients(gateways, procs)
    const run: Run = { gateways, procs, offsets, witness, numbered: numberedFrames(), publish: frame => { sim.ws.publishRaw('spot', TOPIC, frame) } }
    const s: Summary = {
      results: Object.fromEntries(PATHS.map(name => [name, { received: 0, lost: 0, duplicated: 0, reordered: 0, latencies: [], p99s: [], cpuSeconds: 0 }])) as unknown as Record<PathName, PathResult>,
      sent: 0,
      window: 0,
      generatorSeconds: 0,
      clientSeconds: 0,
      redisSeconds: 0,
      evalsha: 0,
      xread: 0,
      worstGenerator: 0,
      upstream: sim.ws.subscriptions().filter(c => c.topics.includes(TOPIC)).length,
      offsets,
      stillOwner: false,
      trouble: { owner: '', follower: '' }
    }
    const troubleBefore = { owner: await busTrouble(gateways.owner.url), follower: await busTrouble(gateways.follower.url) }
    process.stderr.write(`  warm-up ${WARMUP_SECONDS} s ...\n`)
    await publishFor(WARMUP_SECONDS, RATE, false, run.numbered.frame, run.publish)
    for (let i = 1; i <= ROUNDS; i++) {
      process.stderr.write(`  round ${i}/${ROUNDS}: ${RATE} msgs/s for ${SECONDS} s ...\n`)
      await round(run, s)
    }
    s.trouble.owner = difference(await busTrouble(gateways.owner.url), troubleBefore.owner)
    s.trouble.follower = difference(await busTrouble(gateways.follower.url), troubleBefore.follower)
    s.stillOwner = await ownsSpot(gateways.owner.url, 1000).then(() => true, () => false)
    return report(s)
  } finally {
    for (const p of procs) p.child.kill('SIGKILL')
    stopAll()
    witness.disconnect()
    await sim.close()
    for (const cleanup of cleanups) await cleanup()
  }
}

interface Summary {
  results: Record<PathName, PathResult>
  sent: number
  window: number
  generatorSeconds: number
  clientSeconds: number
  redisSeconds: number
  /** Bus commands Redis ran in the measured windows: the owner's publishes, both replicas' reads. */
  evalsha: number
  xread: number
  worstGenerator: number
  upstream: number
  /** The client processes' clock offsets taken off their latencies (ms). */
  offsets: number[]
  stillOwner: boolean
  trouble: Record<'owner' | 'follower', string>
}

function report (s: Summary): string {
  const pct = (x: number): string => `${Math.round(x * 100)}%`
  const ms = (x: number): string => x.toFixed(2)
  const rows = PATHS.map(name => {
    const r = s.results[name]
    const sorted = r.latencies.sort((a, b) => a - b)
    return `| ${name} | ${s.sent} | ${r.received} (${pct(r.received / Math.max(1, s.sent))}) | ${r.lost} | ${r.duplicated} | ${r.reordered} | ` +
      `${ms(percentile(sorted, 0.5))} | ${ms(percentile(sorted, 0.99))} | ${ms(percentile(sorted, 1))} | ${r.p99s.map(ms).join(' / ')} | ${pct(r.cpuSeconds / s.window)} (${Math.round(r.cpuSeconds * 1e6 / Math.max(1, s.sent))} µs/msg) |`
  })
  const complete = (name: PathName): boolean => s.results[name].received >= 0.95 * s.sent
  const saturated = s.worstGenerator >= SATURATED
  const p = (name: PathName, q: number): number => percentile(s.results[name].latencies, q)
  const lines = [
    `One topic (\`${TOPIC}\`, never conflated), ${RATE} msgs/s, ${WARMUP_SECONDS} s warm-up then ${ROUNDS} × ${SECONDS} s measured (+1 s each to drain); ` +
      `${canPin ? 'the three gateways on CPU 0; this process (simulator + publisher) and the three client processes on CPU 1; redis-server unpinned' : 'no pinning (taskset unavailable)'}. ` +
      `Latency: the simulator's send → the client's receive, every frame; each client process's clock offset to this one's taken off (${s.offsets.map(ms => ms.toFixed(2)).join(' / ')} ms); lost / dup / reordered from each frame's publish number. Upstream subscriptions to the topic at the simulator: ${s.upstream} (owner and alone; the follower has none). ` +
      `Replica settings: ${[...STEADY_OWNER, ...EXTRA].join(' ')}.`,
    '',
    '| path | sent | received | lost | dup | reordered | p50 ms | p99 ms | max ms | p99 per round | gateway CPU (per frame) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Generator: this process ${pct(s.generatorSeconds / s.window)} of a core (simulator + publisher), client processes ${pct(s.clientSeconds / s.window)}; worst round ${pct(s.worstGenerator)}` +
      `${saturated ? ' — **saturated**: the latencies are the generator\'s, not the bus\'s' : ''}. redis-server ${pct(s.redisSeconds / s.window)} of a core, ` +
      `${(s.evalsha / Math.max(1, s.sent)).toFixed(2)} script calls (EVAL) and ${(s.xread / Math.max(1, s.sent)).toFixed(2)} XREAD per frame (both replicas' reads).`,
    `Bus trouble counters over the run: owner ${s.trouble.owner}; follower ${s.trouble.follower}. The owner still held the slot at the end: ${s.stillOwner ? 'yes' : '**no**'}.`
  ]
  if (saturated) lines.push('- **No verdict**: the load generator saturated its core.')
  else if (!complete('alone') || !complete('follower')) lines.push(`- **No comparison**: a side received under 95 % of the frames (alone ${pct(s.results.alone.received / s.sent)}, follower ${pct(s.results.follower.received / s.sent)}).`)
  else {
    const added = { p50: p('follower', 0.5) - p('alone', 0.5), p99: p('follower', 0.99) - p('alone', 0.99) }
    lines.push(`- **Bus cost** (follower − alone): p50 **${ms(added.p50)} ms**, p99 **${ms(added.p99)} ms**; follower ÷ alone p99 ${(p('follower', 0.99) / p('alone', 0.99)).toFixed(2)}×.`,
      `- Target bus p99 ≤ ${TARGET_P99_MS} ms at ${RATE} msgs/s: follower end to end (KuCoin's send → client, a bound on the bus alone) ${ms(p('follower', 0.99))} ms: ${p('follower', 0.99) <= TARGET_P99_MS ? 'met' : 'not met'}; ` +
      `added over alone ${ms(added.p99)} ms: ${added.p99 <= TARGET_P99_MS ? 'met' : 'not met'}.`)
  }
  const loss = PATHS.filter(name => s.results[name].lost + s.results[name].duplicated + s.results[name].reordered > 0)
  lines.push(`- Loss / duplicates / reordering: ${loss.length ? `**on ${loss.join(', ')}**` : '0 on every path'}.`)
  return lines.join('\n')
}

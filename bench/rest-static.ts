// bench/rest-static: the REST proxy itself, not the simulator. KuCoin is a
// static raw-TCP upstream (bench/rest-upstream.ts) that answers a level1
// envelope in microseconds, once with Content-Length and once chunked (as
// KuCoin's CDN does). For each framing, kucoin-gateway and a plain
// @fastify/http-proxy are loaded in alternating rounds with the same
// autocannon settings, each checking every body. The proxy under test runs
// alone on CPU 0; the upstream and the load generator (this process) on CPU 1.
// A ratio is printed only when both sides answered every request in full.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { signRequest, type Credentials } from '../src/kucoin/signer.js'
import { canPin, pinSelf, procStat, startRole, stopAll } from './lib/processes.js'

const LEVEL1 = '/api/v1/market/orderbook/level1?symbol=BTC-USDT'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const connections = 50
const TICKS_PER_SECOND = 100

type Framing = 'content-length' | 'chunked'

interface Side {
  rps: number
  total: number
  /** Errors, timeouts, non-2xx and bodies that were not the full envelope, over all rounds. */
  failures: { errors: number, non2xx: number, mismatches: number }
  /** CPU used, as a fraction of one core: the proxy, the upstream, the load generator. */
  cpu: { proxy: number, upstream: number, load: number }
  /** The proxy's CPU per answered request. */
  proxyUsPerRequest: number
}

/**
 * http-proxy neither shares identical calls in flight nor keeps KuCoin's budget,
 * so both are set aside for a like-for-like proxy comparison: every request
 * reaches the upstream, and the governor's quotas are out of reach (bench/serve.ts,
 * and the static upstream's gw-ratelimit headers). The governor still admits
 * every call.
 */
const LIKE_FOR_LIKE = ['KGW_SHARE_IN_FLIGHT=false']

async function startUpstream (): Promise<{ child: ChildProcess, urls: Record<Framing, string>, body: string }> {
  const entry = fileURLToPath(new URL('./rest-upstream.ts', import.meta.url))
  const node = [process.execPath, '--import', 'tsx', entry]
  const command = canPin ? ['taskset', '-c', '1', ...node] : node
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  process.once('exit', () => child.kill('SIGKILL'))
  return await new Promise((resolve, reject) => {
    let buffer = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const line = buffer.split('\n').find(l => l.startsWith('{"'))
      if (line) {
        const info = JSON.parse(line) as Record<Framing | 'body', string>
        resolve({ child, urls: { 'content-length': info['content-length'], chunked: info.chunked }, body: info.body })
      }
    })
    child.once('exit', code => reject(new Error(`rest-upstream exited with ${String(code)}`)))
  })
}

/** One measured run against `url`, with the CPU of each party over exactly that run. */
async function run (url: string, body: string, pids: { proxy: number, upstream: number }, duration: number): Promise<Omit<Side, 'failures'> & Side['failures']> {
  const [proxy0, upstream0] = await Promise.all([procStat(pids.proxy), procStat(pids.upstream)])
  const load0 = process.cpuUsage()
  const started = performance.now()
  const result = await autocannon({ url, connections, duration, expectBody: body })
  const wall = (performance.now() - started) / 1000
  const load = process.cpuUsage(load0)
  const [proxy1, upstream1] = await Promise.all([procStat(pids.proxy), procStat(pids.upstream)])
  const proxyTicks = proxy1.cpuTicks - proxy0.cpuTicks
  const answered = result.requests.total
  return {
    rps: Math.round(result.requests.average),
    total: answered,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    cpu: {
      proxy: proxyTicks / TICKS_PER_SECOND / wall,
      upstream: (upstream1.cpuTicks - upstream0.cpuTicks) / TICKS_PER_SECOND / wall,
      load: (load.user + load.system) / 1e6 / wall
    },
    proxyUsPerRequest: answered > 0 ? (proxyTicks / TICKS_PER_SECOND) * 1e6 / answered : NaN
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The median round of each side (by req/s), failures summed over all rounds. */
function summarise (runs: Array<Awaited<ReturnType<typeof run>>>): Side {
  const mid = runs.find(r => r.rps === median(runs.map(x => x.rps)))!
  return {
    rps: mid.rps,
    total: runs.reduce((n, r) => n + r.total, 0),
    failures: {
      errors: runs.reduce((n, r) => n + r.errors, 0),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      mismatches: runs.reduce((n, r) => n + r.mismatches, 0)
    },
    cpu: mid.cpu,
    proxyUsPerRequest: mid.proxyUsPerRequest
  }
}

function complete (side: Side): boolean {
  const { errors, non2xx, mismatches } = side.failures
  return side.total > 0 && errors + non2xx + mismatches === 0
}

function why (name: string, side: Side): string {
  const { errors, non2xx, mismatches } = side.failures
  return `${name}: ${errors} errors or timeouts, ${non2xx} non-2xx, ${mismatches} bodies other than the full envelope, of ${side.total}`
}

function signCostUs (): number {
  const credentials: Credentials = { key: 'bench-key', secret: 'bench-secret-0123456789abcdef', passphrase: 'bench-pass', version: 3 }
  const n = 50_000
  for (let i = 0; i < 5000; i++) signRequest(credentials, String(Date.now()), 'GET', '/api/v1/accounts', '')
  const start = performance.now()
  for (let i = 0; i < n; i++) signRequest(credentials, String(Date.now()), 'GET', '/api/v1/accounts', '')
  return ((performance.now() - start) * 1000) / n
}

const pct = (x: number): string => `${Math.round(x * 100)}%`

export async function restStaticBench (): Promise<string> {
  pinSelf(1)
  const upstream = await startUpstream()
  const lines: string[] = [
    canPin ? 'Pinned: the proxy under test alone on CPU 0; the static upstream and the load generator (autocannon, this process) on CPU 1.' : 'Not pinned (taskset or a second core missing): every process shares the CPUs.',
    `autocannon, ${connections} connections, ${rounds} alternating rounds of ${seconds} s per side after a warm-up; every body checked against the full envelope; the median round shown.`,
    'The gateway runs with `KGW_SHARE_IN_FLIGHT=false` and quotas out of reach (its own and the static upstream\'s `gw-ratelimit-*`), so each request is one upstream call, as with http-proxy; its rate-limit governor still admits every call.',
    '',
    '| upstream framing | server | req/s | proxy CPU µs/req | proxy CPU | upstream CPU | load generator CPU | errors / non-2xx / bad bodies |',
    '|---|---|---|---|---|---|---|---|'
  ]
  const notes: string[] = []
  let publicCl: Side | undefined
  for (const framing of ['content-length', 'chunked'] as const) {
    const url = upstream.urls[framing]
    const gateway = await startRole('gateway', [url, url, ...LIKE_FOR_LIKE], 0)
    const proxy = await startRole('http-proxy', [url], 0)
    const sides = {
      'kucoin-gateway': { url: `${gateway.info.url!}/spot${LEVEL1}`, pid: gateway.child.pid!, runs: [] as Array<Awaited<ReturnType<typeof run>>> },
      '@fastify/http-proxy': { url: `${proxy.info.url!}/spot${LEVEL1}`, pid: proxy.child.pid!, runs: [] as Array<Awaited<ReturnType<typeof run>>> }
    }
    const order = Object.keys(sides) as Array<keyof typeof sides>
    for (const name of order) await run(sides[name].url, upstream.body, { proxy: sides[name].pid, upstream: upstream.child.pid! }, Math.min(3, seconds))
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so neither always meets the machine in the same state.
      for (const name of round % 2 === 0 ? order : [...order].reverse()) {
        process.stderr.write(`  ${framing} round ${round + 1} ${name} ...`)
        const result = await run(sides[name].url, upstream.body, { proxy: sides[name].pid, upstream: upstream.child.pid! }, seconds)
        process.stderr.write(` ${result.rps} req/s\n`)
        sides[name].runs.push(result)
      }
    }
    const gw = summarise(sides['kucoin-gateway'].runs)
    const hp = summarise(sides['@fastify/http-proxy'].runs)
    if (framing === 'content-length') publicCl = gw
    for (const [name, side] of [['kucoin-gateway', gw], ['@fastify/http-proxy', hp]] as const) {
      const { errors, non2xx, mismatches } = side.failures
      lines.push(`| ${framing} | ${name} | ${side.rps} | ${side.proxyUsPerRequest.toFixed(1)} | ${pct(side.cpu.proxy)} | ${pct(side.cpu.upstream)} | ${pct(side.cpu.load)} | ${errors} / ${non2xx} / ${mismatches} |`)
    }
    if (complete(gw) && complete(hp)) {
      const ratio = gw.rps / hp.rps
      notes.push(`- ${framing}: gateway ÷ @fastify/http-proxy = **${ratio.toFixed(2)}×** req/s (target ≥ 1.3×; rounds: ${sides['kucoin-gateway'].runs.map((r, i) => (r.rps / sides['@fastify/http-proxy'].runs[i]!.rps).toFixed(2)).join(', ')})`)
    } else {
      notes.push(`- ${framing}: no ratio, a side did not answer every request in full (${[complete(gw) ? '' : why('gateway', gw), complete(hp) ? '' : why('http-proxy', hp)].filter(Boolean).join('; ')})`)
    }
    if (Math.max(gw.cpu.load, hp.cpu.load) > 0.9) notes.push(`- ${framing}: the load generator used ${pct(Math.max(gw.cpu.load, hp.cpu.load))} of its core, so it may have capped the rate`)
    stopAll()
  }
  const sign = signCostUs()
  if (publicCl && complete(publicCl)) {
    notes.push(`- signing: ${sign.toFixed(1)} µs per signature = **${pct(sign / publicCl.proxyUsPerRequest)}** of the gateway's ${publicCl.proxyUsPerRequest.toFixed(1)} µs of CPU per public call (target < 10%)`)
  } else {
    notes.push(`- signing: ${sign.toFixed(1)} µs per signature (no share: the public run was not complete)`)
  }
  upstream.child.kill('SIGKILL')
  return [...lines, '', ...notes].join('\n')
}

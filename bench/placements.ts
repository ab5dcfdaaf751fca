// bench/placements: the latency idempotent placement adds (src/orders/),
// side by side with the plain pass-through of the same write. One gateway
// in front of a raw TCP KuCoin stand-in that answers every request at once;
// one client sends sequential requests (keep-alive), alternating in rounds:
//   pass-through  POST /spot/api/v1/hf/orders/test  (a trading write the proxy forwards as is)
//   placement     POST /spot/api/v1/hf/orders with a fresh Idempotency-Key (in-memory store)
//   + journal     the same, with KGW_IDEMPOTENCY_JOURNAL (one sync append per placement)
// The same body goes to both routes; the difference of the medians is the cost of the
// record, the fingerprint, the derived clientOid, the added time window and the stored answer.
// Run alone: npx tsx bench/placements.ts (BENCH_ROUNDS, BENCH_REQUESTS per round and kind).
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const ANSWER = '{"code":"200000","data":{"orderId":"670fd33bf9406e0007ab3945","clientOid":"5c52e11203aa677f33e493fb"}}'
const BODY = '{"symbol":"BTC-USDT","side":"buy","type":"limit","price":"1000","size":"0.001"}'

/** Answers every request (reading its Content-Length body) with the same success. */
async function upstream (): Promise<{ url: string, server: Server }> {
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ngw-ratelimit-limit: 10000000\r\ngw-ratelimit-remaining: 9999999\r\ngw-ratelimit-reset: 29999\r\n'
  const timeBody = () => `{"code":"200000","data":${Date.now()}}`
  const server = createServer(socket => {
    socket.setNoDelay(true)
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data])
      for (;;) {
        const end = pending.indexOf('\r\n\r\n')
        if (end === -1) return
        const text = pending.subarray(0, end).toString('latin1')
        const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? 0)
        if (pending.length < end + 4 + length) return
        pending = pending.subarray(end + 4 + length)
        const body = text.includes('/api/v1/timestamp') ? timeBody() : ANSWER
        socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function gateway (url: string, env: Record<string, string>): Promise<{ base: string, close: () => Promise<void> }> {
  const app = await buildApp(loadConfig({
    LOG_LEVEL: 'silent',
    KUCOIN_API_KEY: 'bench',
    KUCOIN_API_SECRET: 'bench',
    KUCOIN_API_PASSPHRASE: 'bench',
    KGW_TRADING_ENABLED: 'true',
    KGW_RATE_LIMIT_QUOTAS: 'Spot=1000000',
    KUCOIN_SPOT_URL: url,
    KUCOIN_FUTURES_URL: url,
    ...env
  }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  await app.kucoin.clocks.spot.sync().catch(() => {})
  const address = app.server.address() as AddressInfo
  return { base: `http://127.0.0.1:${address.port}`, close: async () => { await app.close() } }
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }
const p90 = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.9)]! }

export async function placementsBench (): Promise<string> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
  const perRound = Number(process.env.BENCH_REQUESTS ?? 1000)
  const up = await upstream()
  const dir = mkdtempSync(join(tmpdir(), 'kgw-bench-'))
  const plain = await gateway(up.url, {})
  const journaled = await gateway(up.url, { KGW_IDEMPOTENCY_JOURNAL: join(dir, 'placements.jsonl') })
  const kinds = {
    'pass-through (/hf/orders/test)': { base: plain.base, path: '/spot/api/v1/hf/orders/test', key: false },
    'placement (memory store)': { base: plain.base, path: '/spot/api/v1/hf/orders', key: true },
    'placement (+ journal)': { base: journaled.base, path: '/spot/api/v1/hf/orders', key: true }
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map(k => [k, []]))
  const pools = new Map<string, Pool>()
  let n = 0
  const once = async (base: string, path: string, key: boolean): Promise<number> => {
    let pool = pools.get(base)
    if (pool === undefined) pools.set(base, pool = new Pool(base, { connections: 1 }))
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (key) headers['idempotency-key'] = `bench-${++n}`
    const started = process.hrtime.bigint()
    const res = await pool.request({ method: 'POST', path, headers, body: BODY })
    await res.body.text()
    if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode}`)
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  for (const { base, path, key } of Object.values(kinds)) for (let i = 0; i < 200; i++) await once(base, path, key)
  for (let r = 0; r < rounds; r++) {
    for (const [name, { base, path, key }] of Object.entries(kinds)) {
      for (let i = 0; i < perRound; i++) times[name]!.push(await once(base, path, key))
    }
  }
  for (const pool of pools.values()) await pool.close()
  await plain.close()
  await journaled.close()
  up.server.close()
  rmSync(dir, { recursive: true, force: true })
  const base = median(times['pass-through (/hf/orders/test)']!)
  const rows = Object.entries(times).map(([name, xs]) =>
    `| ${name} | ${xs.length} | ${median(xs).toFixed(3)} | ${p90(xs).toFixed(3)} | ${(median(xs) - base >= 0 ? '+' : '') + (median(xs) - base).toFixed(3)} |`)
  return [
    `Sequential POSTs over one keep-alive connection, ${rounds} alternating rounds of ${perRound} per kind, the same body.`,
    '',
    '| kind | requests | p50 ms | p90 ms | p50 added ms |',
    '|---|---|---|---|---|',
    ...rows
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await placementsBench())
  process.exit(0)
}

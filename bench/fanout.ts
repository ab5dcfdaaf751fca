// bench/fanout: one upstream topic at R msgs/s to C downstream clients,
// through the gateway and, side by side in the same run, through a bare `ws`
// server that broadcasts each upstream frame's buffer to every client (the
// practical limit in Node). The simulator and the clients share this process
// (CPU 1), so send and receive times use one clock; the server under test
// runs alone on CPU 0.
import WebSocket from 'ws'
import { startSimulator } from '../src/simulator/index.js'
import { pinSelf, startRole, stopAll, type Served } from './lib/processes.js'

const TOPIC = '/market/ticker:BTC-USDT'
const RATE = Number(process.env.FANOUT_RATE ?? 100)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10) / 2
const COUNTS = (process.env.FANOUT_CLIENTS ?? '100,1000,5000').split(',').map(Number)

interface ProcStat { cpuTicks: number, rssKb: number }

async function procStat (pid: number): Promise<ProcStat> {
  const { readFile } = await import('node:fs/promises')
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) }
}

interface Clients { sockets: WebSocket[], received: number, latencies: number[] }

async function connectClients (count: number, url: () => Promise<string>, subscribe: boolean): Promise<Clients> {
  const clients: Clients = { sockets: [], received: 0, latencies: [] }
  for (let i = 0; i < count; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - i) }, async (_, j) => {
      const ws = new WebSocket(await url(), { perMessageDeflate: false })
      const sample = (i + j) % 10 === 0 // latency from every tenth client keeps the samples bounded
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject)
        ws.on('message', (data: Buffer) => {
          const text = data.toString()
          if (text.includes('"welcome"')) {
            if (subscribe) ws.send(JSON.stringify({ id: 's', type: 'subscribe', topic: TOPIC, response: true }))
            else resolve()
            return
          }
          if (text.includes('"ack"')) { resolve(); return }
          const at = text.indexOf('"t":')
          if (at < 0) return
          clients.received++
          if (sample) clients.latencies.push(performance.timeOrigin + performance.now() - Number(text.slice(at + 4, text.indexOf(',', at))))
        })
      })
      clients.sockets.push(ws)
    }))
  }
  return clients
}

async function scenario (name: string, server: Served, count: number, connectUrl: () => Promise<string>, subscribe: boolean, publish: (frame: string) => void): Promise<string> {
  const pid = server.child.pid!
  const before = await procStat(pid)
  const clients = await connectClients(count, connectUrl, subscribe)
  await new Promise(resolve => setTimeout(resolve, 500))
  const idle = await procStat(pid)
  const pad = 'x'.repeat(200) // a KuCoin ticker frame is about 300 bytes
  const start = performance.now()
  let sent = 0
  while (performance.now() - start < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - start) * RATE) / 1000)
    for (; sent < due; sent++) publish(JSON.stringify({ type: 'message', topic: TOPIC, subject: 'trade.ticker', data: { t: performance.timeOrigin + performance.now(), n: sent, pad } }))
    await new Promise(resolve => setTimeout(resolve, 1))
  }
  await new Promise(resolve => setTimeout(resolve, 1000))
  const after = await procStat(pid)
  for (const ws of clients.sockets) ws.terminate()
  clients.latencies.sort((a, b) => a - b)
  const pct = (q: number): string => (clients.latencies[Math.floor(q * clients.latencies.length)] ?? NaN).toFixed(1)
  const cpu = (after.cpuTicks - idle.cpuTicks) / 100 / (SECONDS + 1)
  const expected = sent * count
  const cpuPerDeliveryUs = ((after.cpuTicks - idle.cpuTicks) * 10_000) / Math.max(1, clients.received)
  return `| ${name} | ${count} | ${sent} | ${clients.received} / ${expected} | ${Math.round(clients.received / SECONDS)} | ${pct(0.5)} | ${pct(0.99)} | ${(cpu * 100).toFixed(0)}% | ${cpuPerDeliveryUs.toFixed(2)} | ${(((idle.rssKb - before.rssKb) * 1024) / count / 1024).toFixed(1)} |`
}

export async function fanoutBench (): Promise<string> {
  pinSelf(1)
  const sim = await startSimulator({ ws: { maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000 } })
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl], 0)
  const bare = await startRole('bare-ws', [sim.spotUrl, TOPIC], 0)
  const publish = (frame: string): void => { sim.ws.publishRaw('spot', TOPIC, frame) }
  const gatewayUrl = async (): Promise<string> => {
    const res = await fetch(`${gateway.info.url}/spot/api/v1/bullet-public`, { method: 'POST' })
    const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
    return `${data.instanceServers[0]!.endpoint}?token=${data.token}`
  }
  const rows: string[] = []
  for (const count of COUNTS) {
    process.stderr.write(`  ${count} clients ...\n`)
    rows.push(await scenario('bare ws broadcast', bare, count, async () => bare.info.url!, false, publish))
    rows.push(await scenario('kucoin-gateway', gateway, count, gatewayUrl, true, publish))
  }
  stopAll()
  await sim.close()
  return [
    `One topic at ${RATE} msgs/s for ${SECONDS} s; server under test alone on CPU 0; simulator and clients on CPU 1. Latency: upstream send → client receive, every tenth client.`,
    '',
    '| server | clients | sent | delivered / expected | delivered msgs/s | p50 ms | p99 ms | server CPU | CPU µs per delivery | RSS KB per idle client |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows
  ].join('\n')
}

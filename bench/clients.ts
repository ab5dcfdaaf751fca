// One process of downstream WebSocket clients for bench/fanout, driven over
// IPC by the bench process, so that a thousand clients are spread over several
// event loops instead of sharing the load generator's.
//   parent → { type: 'connect', url, count, topic, sampleEvery, first }
//   child  → { type: 'connected' }
//   parent → { type: 'report' }   child → { type: 'report', received, latencies, cpuMs }
// Only frames marked `"m":1` (the measured window) count. Latency is upstream
// send → receive, on the wall clock both processes share (performance.timeOrigin
// + now(), microsecond resolution), from every `sampleEvery`-th client.
import WebSocket from 'ws'

interface Connect { type: 'connect', url: string, count: number, topic: string | null, sampleEvery: number, first: number }
type Command = Connect | { type: 'report' } | { type: 'close' }

const sockets: WebSocket[] = []
let received = 0
let latencies: number[] = []

const now = (): number => performance.timeOrigin + performance.now()

const MEASURED = Buffer.from('"m":1')
const SENT_AT = Buffer.from('"t":')

/**
 * Counts a data frame; the send time follows `"t":` (the first field of `data`).
 * Searches the bytes without decoding them: the clients share a core with the
 * simulator, and every microsecond they spend is one the servers do not get measured on.
 */
function onData (data: Buffer, sample: boolean): void {
  if (data.indexOf(MEASURED) < 0) return
  received++
  if (!sample) return
  const at = data.indexOf(SENT_AT)
  if (at >= 0) latencies.push(now() - Number(data.toString('latin1', at + 4, data.indexOf(44 /* , */, at))))
}

function open (url: string, topic: string | null, sample: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    // The load generator trusts the servers' UTF-8: validating every frame would take CPU the servers' measurement needs.
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
    let ready = false
    ws.once('error', reject)
    ws.on('message', (data: Buffer) => {
      if (ready) { onData(data, sample); return }
      const text = data.toString()
      // The gateway: welcome, then subscribe and wait for the ack. The bare server: welcome only.
      if (text.includes('"welcome"') && topic !== null) {
        ws.send(JSON.stringify({ id: 's', type: 'subscribe', topic, response: true }))
        return
      }
      ready = true
      sockets.push(ws)
      resolve()
    })
  })
}

async function connect ({ url, count, topic, sampleEvery, first }: Connect): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(url, topic, (first + i + j) % sampleEvery === 0)))
  }
  // The gateway expects a ping within its idle timeout (28 s by default).
  setInterval(() => { for (const ws of sockets) ws.send('{"id":"p","type":"ping"}') }, 15_000).unref()
}

process.on('message', (command: Command) => {
  if (command.type === 'connect') {
    connect(command).then(() => process.send!({ type: 'connected' }), (error: Error) => {
      console.error(`clients: ${error.message}`)
      process.exit(1)
    })
  } else if (command.type === 'report') {
    const cpu = process.cpuUsage()
    process.send!({ type: 'report', received, latencies, cpuMs: (cpu.user + cpu.system) / 1000 })
    received = 0
    latencies = []
  } else {
    for (const ws of sockets) ws.terminate()
    process.exit(0)
  }
})

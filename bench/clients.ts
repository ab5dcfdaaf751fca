// One process of downstream WebSocket clients for bench/fanout, driven over
// IPC by the bench process, so that a thousand clients are spread over several
// event loops instead of sharing the load generator's.
//   parent → { type: 'connect', url, count, topic, sampleEvery, first }
//   child  → { type: 'connected' }
//   parent → { type: 'report' }   child → { type: 'report', received, latencies, cpuMs, sequences }
//   parent → { type: 'clock' }    child → { type: 'clock', now }
// Only frames marked `"m":1` (the measured window) count. With `sequence` set,
// each client also keeps the publish number (`"n":`) of every measured frame,
// in arrival order (`sequences`, one list per client), so the bench can count
// loss, duplicates and reordering. Latency is upstream
// send → receive, on the wall clock both processes share (performance.timeOrigin
// + now(), microsecond resolution), from every `sampleEvery`-th client.
// With `graphql` set, a client speaks graphql-transport-ws instead (init, ack,
// one subscribe with an id of its own) and reads the same marks from the
// result, where the query aliases them (`"m":"1"`, `"t":"<time>"`).
//
// The clients share one core with the simulator, so they are lean on purpose:
// a minimal RFC 6455 client over net.Socket that frames its few requests itself
// and walks the server's frames in each TCP chunk, instead of the ws library's
// per-message events and UTF-8 validation (several times the CPU per message).
import { randomBytes, randomUUID } from 'node:crypto'
import { connect as tcpConnect, type Socket } from 'node:net'

interface Connect {
  type: 'connect'
  url: string
  count: number
  topic: string | null
  sampleEvery: number
  first: number
  /** A graphql-ws subscription query instead of a KuCoin topic. */
  graphql?: string
  /** Keep each measured frame's `"n":` per client (bench/replica-bus). */
  sequence?: boolean
}
type Command = Connect | { type: 'report' } | { type: 'clock' } | { type: 'close' }

const sockets: Socket[] = []
let received = 0
let latencies: number[] = []
/** Per client with `sequence` set: the `"n":` of each measured frame, in arrival order. */
const sequences: number[][] = []

const now = (): number => performance.timeOrigin + performance.now()
const MEASURED = Buffer.from('"m":')
const SENT_AT = Buffer.from('"t":')
const NUMBER = Buffer.from('"n":')
const COMMA = 44
const QUOTE = 34
const ONE = 49

/** A client text frame: masked, as RFC 6455 requires, with a zero key (the payload stays as is). */
function clientFrame (text: string): Buffer {
  const payload = Buffer.from(text)
  if (payload.length > 65535) throw new Error('client frames here are short')
  const header = payload.length > 125 ? Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0])
  return Buffer.concat([header, payload])
}

const PING = clientFrame('{"id":"p","type":"ping"}')
const INIT = clientFrame('{"type":"connection_init","payload":{}}')

class Client {
  private pending: Buffer | undefined
  private ready = false

  constructor (
    private readonly socket: Socket,
    private readonly topic: string | null,
    private readonly sample: boolean,
    private readonly onReady: () => void,
    private readonly graphql?: { query: string, id: string },
    private readonly sequence?: number[]
  ) {}

  /** Walks every complete frame of the bytes received so far; keeps a partial one for later. */
  onData (chunk: Buffer): void {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    let offset = 0
    while (buf.length - offset >= 2) {
      let length = buf[offset + 1]! & 0x7f
      let header = 2
      if (length === 126) {
        if (buf.length - offset < 4) break
        length = buf.readUInt16BE(offset + 2)
        header = 4
      } else if (length === 127) {
        if (buf.length - offset < 10) break
        length = buf.readUInt32BE(offset + 6)
        header = 10
      }
      if (buf.length - offset < header + length) break
      this.onFrame(buf[offset]! & 0x0f, buf.subarray(offset + header, offset + header + length))
      offset += header + length
    }
    this.pending = offset < buf.length ? buf.subarray(offset) : undefined
  }

  private onFrame (opcode: number, payload: Buffer): void {
    if (opcode === 8) { this.socket.destroy(); return } // close
    if (this.ready) { this.count(payload); return }
    if (this.graphql !== undefined) {
      // graphql-transport-ws: connection_init went with the handshake; on the ack, subscribe (no ack of its own).
      if (!payload.includes('"connection_ack"')) throw new Error(`graphql-ws: ${payload.toString()}`)
      this.socket.write(clientFrame(JSON.stringify({ id: this.graphql.id, type: 'subscribe', payload: { query: this.graphql.query } })))
      this.ready = true
      this.onReady()
      return
    }
    // The gateway: welcome, then subscribe and wait for the ack. The bare server: welcome only.
    if (payload.includes('"welcome"') && this.topic !== null) {
      this.socket.write(clientFrame(JSON.stringify({ id: 's', type: 'subscribe', topic: this.topic, response: true })))
      return
    }
    this.ready = true
    this.onReady()
  }

  /** Counts a measured frame (`"m":1` or `"m":"1"`); the send time follows `"t":`, quoted or not. */
  private count (payload: Buffer): void {
    const mark = payload.indexOf(MEASURED)
    if (mark < 0) return
    const flag = payload[mark + 4] === QUOTE ? payload[mark + 5] : payload[mark + 4]
    if (flag !== ONE) return
    received++
    if (this.sequence !== undefined) {
      const at = payload.indexOf(NUMBER, mark)
      if (at >= 0) this.sequence.push(Number(payload.toString('latin1', at + 4, payload.indexOf(COMMA, at + 4))))
    }
    if (!this.sample) return
    const at = payload.indexOf(SENT_AT)
    if (at < 0) return
    const quoted = payload[at + 4] === QUOTE
    const start = at + (quoted ? 5 : 4)
    latencies.push(now() - Number(payload.toString('latin1', start, payload.indexOf(quoted ? QUOTE : COMMA, start))))
  }
}

function open (url: URL, topic: string | null, sample: boolean, graphql?: { query: string, id: string }, sequence?: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(url.port), url.hostname)
    socket.setNoDelay(true)
    socket.once('error', reject)
    const client = new Client(socket, topic, sample, () => { sockets.push(socket); resolve() }, graphql, sequence)
    let head = Buffer.alloc(0)
    const onHandshake = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      if (!head.toString('latin1', 0, 12).includes(' 101')) { reject(new Error(head.toString('latin1', 0, end))); return }
      socket.off('data', onHandshake)
      socket.on('data', data => client.onData(data))
      if (graphql !== undefined) socket.write(INIT)
      if (head.length > end + 4) client.onData(head.subarray(end + 4))
    }
    socket.on('data', onHandshake)
    const protocol = graphql === undefined ? '' : 'Sec-WebSocket-Protocol: graphql-transport-ws\r\n'
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `${protocol}Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  })
}

async function connect ({ url, count, topic, sampleEvery, first, graphql, sequence }: Connect): Promise<void> {
  const target = new URL(url)
  // The gateway closes a KuCoin-protocol client that sends nothing for its idle timeout (28 s by default);
  // thousands of clients take a while to connect, so the first ones ping while the rest connect.
  if (graphql === undefined) setInterval(() => { for (const socket of sockets) socket.write(PING) }, 10_000).unref()
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => {
      const n = first + i + j
      // Ids as graphql-ws clients make them: unique per subscription (so the gateway splices each one in).
      const numbers = sequence === true ? sequences[sequences.push([]) - 1] : undefined
      return open(target, topic, n % sampleEvery === 0, graphql === undefined ? undefined : { query: graphql, id: randomUUID() }, numbers)
    }))
  }
}

process.on('message', (command: Command) => {
  if (command.type === 'connect') {
    connect(command).then(() => process.send!({ type: 'connected' }), (error: Error) => {
      console.error(`clients: ${error.message}`)
      process.exit(1)
    })
  } else if (command.type === 'clock') {
    // Each process's performance.timeOrigin is its own estimate of the wall clock, off by up to a
    // millisecond or so: the parent reads this against its own clock to correct latencies.
    process.send!({ type: 'clock', now: now() })
  } else if (command.type === 'report') {
    const cpu = process.cpuUsage()
    process.send!({ type: 'report', received, latencies, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, sequences: sequences.map(numbers => numbers.splice(0)) })
    received = 0
    latencies = []
  } else {
    for (const socket of sockets) socket.destroy()
    process.exit(0)
  }
})

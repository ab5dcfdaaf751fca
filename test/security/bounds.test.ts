// Connection bounds against a slowloris or a careless client, over raw
// sockets: headers must arrive within KGW_HEADERS_TIMEOUT_MS, and one remote
// address may hold only so many connections, so others still get in.
import t from 'tap'
import type { Socket } from 'node:net'
import { loadConfig } from '../../src/config.js'
import { connectionLimits, openFileLimit } from '../../src/http/connections.js'
import { startGateway } from '../helper.js'
import { open, raw, readReply } from './raw.js'

/** A request whose headers never finish. */
async function halfOpen (url: string, localAddress?: string): Promise<Socket> {
  const socket = await open(url, localAddress)
  socket.on('error', () => {})
  socket.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(url).host}\r\nx-slow: `)
  return socket
}

const closed = (socket: Socket): Promise<number> => {
  const started = Date.now()
  return new Promise(resolve => socket.once('close', () => resolve(Date.now() - started)))
}

t.test('slowloris: headers trickling in past KGW_HEADERS_TIMEOUT_MS get a 408 problem and the connection closes', async t => {
  t.equal(loadConfig({}).connections.headersTimeoutMs, 10_000, 'about 10 s by default')
  const gw = await startGateway(t, { env: { KGW_HEADERS_TIMEOUT_MS: '1000' } })
  const socket = await halfOpen(gw.url)
  const drip = setInterval(() => { if (!socket.destroyed) socket.write('a') }, 200)
  t.teardown(() => { clearInterval(drip); socket.destroy() })
  const reply = readReply(socket, 15_000)
  const ms = await closed(socket)
  clearInterval(drip)
  const answer = await reply
  t.equal(answer.status, 408)
  t.match(answer.json(), { type: 'urn:kgw:request-timeout', status: 408 })
  t.ok(ms < 8000, `closed after ${ms} ms, while still trickling a byte every 200 ms`)
  const silent = await open(gw.url)
  let said = ''
  silent.on('error', () => {}).on('data', chunk => { said += chunk.toString() })
  const silentMs = await Promise.race([closed(silent), new Promise<number>(resolve => setTimeout(() => resolve(-1), 15_000))])
  silent.destroy()
  t.ok(silentMs >= 0 && silentMs < 8000, `a connection that sends nothing is closed too (after ${silentMs} ms)`)
  t.match(said, /^HTTP\/1.1 408 [^]*"type":"urn:kgw:request-timeout"/, 'with a 408 problem')
})

t.test('one client may hold KGW_MAX_CONNECTIONS_PER_CLIENT connections; the next gets a 429 problem, others are served', async t => {
  const gw = await startGateway(t, { env: { KGW_MAX_CONNECTIONS_PER_CLIENT: '5', KGW_MAX_CONNECTIONS: '8' } })
  const held: Socket[] = []
  t.teardown(() => { for (const s of held) s.destroy() })
  for (let i = 0; i < 5; i++) held.push(await halfOpen(gw.url, '127.0.0.1'))
  const over = await open(gw.url, '127.0.0.1')
  over.on('error', () => {})
  over.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(gw.url).host}\r\n\r\n`)
  const refused = await readReply(over)
  over.destroy()
  t.equal(refused.status, 429)
  t.match(refused.headers['content-type'], /^application\/problem\+json/)
  t.equal(refused.headers['retry-after'], '1')
  t.match(refused.json(), { type: 'urn:kgw:too-many-connections', detail: /5 connections \(KGW_MAX_CONNECTIONS_PER_CLIENT\)/ })

  const other = await openFrom(gw.url, '127.0.0.2')
  t.equal(other.status, 200, 'another client is still served')
  for (let i = 0; i < 3; i++) held.push(await halfOpen(gw.url, '127.0.0.3'))
  const full = await openFrom(gw.url, '127.0.0.4')
  t.equal(full.status, 503, 'the total cap answers too')
  t.match(full.json(), { type: 'urn:kgw:connections-exhausted' })

  held.shift()!.destroy()
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal((await openFrom(gw.url, '127.0.0.1')).status, 200, 'a freed slot is usable again')
  const metrics = (await gw.app.inject('/metrics')).body
  t.match(metrics, /kgw_client_connections_refused_total\{reason="client-cap"\} 1\n/)
  t.match(metrics, /kgw_client_connections_refused_total\{reason="total-cap"\} 1\n/)
  t.match(metrics, /kgw_client_connections 7\n/, 'the 7 half-open ones still held')
})

async function openFrom (url: string, localAddress: string): Promise<Awaited<ReturnType<typeof raw>>> {
  const socket = await open(url, localAddress)
  socket.on('error', () => {})
  socket.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(url).host}\r\nconnection: close\r\n\r\n`)
  try {
    return await readReply(socket)
  } finally {
    socket.destroy()
  }
}

t.test('the default caps leave the upstream sockets their descriptors', async t => {
  t.same(connectionLimits({ max: 0, maxPerClient: 0 }, 128, 1024), { max: 512, maxPerClient: 256 }, '1024 descriptors: 2 × 128 upstream and 256 reserved')
  t.same(connectionLimits({ max: 0, maxPerClient: 0 }, 128, 20_000), { max: 19_488, maxPerClient: 9744 })
  t.same(connectionLimits({ max: 100, maxPerClient: 0 }, 128, 1024), { max: 100, maxPerClient: 50 })
  t.same(connectionLimits({ max: 0, maxPerClient: 7 }, 128, 1024), { max: 512, maxPerClient: 7 })
  t.equal(openFileLimit(() => 'Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 4096                 files\n'), 1024)
  t.equal(openFileLimit(() => { throw new Error('no /proc') }), undefined)
})

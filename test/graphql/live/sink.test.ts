// The socket side of a graphql-ws connection: results are whole text frames
// written to the TCP socket under ws, and a socket's results of one turn of
// the event loop leave in one write (corked until the turn ends), as on
// /spot/ws. A recording stream stands in for the TCP socket, so the writes
// the kernel would see are counted exactly.
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { WebSocket } from 'ws'
import { sinkOf } from '../../../src/graphql/live/connection.js'

/** A TCP socket's stand-in: each `_write`/`_writev` call is one write the kernel would see. */
function recordingSocket (): { raw: Writable, writes: Buffer[][] } {
  const writes: Buffer[][] = []
  const raw = new Writable({
    write (chunk: Buffer, _encoding, callback) { writes.push([chunk]); callback() },
    writev (chunks, callback) { writes.push(chunks.map(c => c.chunk as Buffer)); callback() }
  })
  return { raw, writes }
}

/** The text of an unmasked server frame with a 2-byte header (payloads under 126 bytes). */
function frameText (t: Test, frame: Buffer): string {
  t.equal(frame[0], 0x81, 'FIN + text')
  t.equal(frame[1], frame.length - 2, 'payload length')
  return frame.subarray(2).toString()
}

const fakeWs = (raw: Writable): WebSocket => ({ readyState: WebSocket.OPEN, bufferedAmount: 0, _socket: raw }) as unknown as WebSocket
const prefix = (id: string): Buffer => Buffer.from(`{"id":"${id}","type":"next","payload":`)

t.test('one turn\'s results for a socket leave in one write, each its own whole frame', async t => {
  const { raw, writes } = recordingSocket()
  const sink = sinkOf(fakeWs(raw))
  for (const id of ['a', 'b', 'c']) sink.writeResult(prefix(id), Buffer.from('{"data":{"n":1}}'))
  t.same(writes, [], 'nothing written while the turn runs')
  await new Promise(resolve => process.nextTick(resolve))
  t.equal(writes.length, 1, 'one write')
  t.same(writes[0]!.map(frame => JSON.parse(frameText(t, frame))), ['a', 'b', 'c'].map(id => ({ id, type: 'next', payload: { data: { n: 1 } } })))
  sink.writeResult(prefix('a'), Buffer.from('{"data":{"n":2}}'))
  await new Promise(resolve => setImmediate(resolve))
  t.equal(writes.length, 2, 'the next turn\'s result is a write of its own')
  t.same(JSON.parse(frameText(t, writes[1]![0]!)), { id: 'a', type: 'next', payload: { data: { n: 2 } } })
})

t.test('a socket that is no longer open is not written to', async t => {
  const { raw, writes } = recordingSocket()
  const ws = fakeWs(raw) as unknown as { readyState: number }
  const sink = sinkOf(ws as unknown as WebSocket)
  ws.readyState = WebSocket.CLOSING
  sink.writeResult(prefix('a'), Buffer.from('{"data":null}'))
  await new Promise(resolve => setImmediate(resolve))
  t.same(writes, [])
})

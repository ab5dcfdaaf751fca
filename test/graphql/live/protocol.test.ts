// The graphql-ws messages, read and written without sockets: both dialects,
// every malformed shape, and the spliced result frame, parsed back by ws's own
// frame reader (an independent RFC 6455 implementation).
import t from 'tap'
import type { EventEmitter } from 'node:events'
import * as ws from 'ws'
import { textFrame } from '../../../src/graphql/live/connection.js'
import { dialectOf, isInvalid, parseClientMessage, resultPrefix, type ClientMessage, type InvalidMessage } from '../../../src/graphql/live/protocol.js'

// ws's frame reader (not in its type definitions, but part of its exports).
const { Receiver } = ws as unknown as { Receiver: new () => EventEmitter & { write: (chunk: Buffer) => void } }

const transport = dialectOf('graphql-transport-ws')!
const legacy = dialectOf('graphql-ws')!
const read = (dialect = transport, message: unknown = {}): ClientMessage | InvalidMessage =>
  parseClientMessage(dialect, Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)))

t.test('dialects by subprotocol', async t => {
  t.equal(dialectOf('graphql-transport-ws')?.next, 'next')
  t.equal(dialectOf('graphql-ws')?.next, 'data')
  t.equal(dialectOf('')?.name, 'graphql-ws', 'no subprotocol: the legacy one, as before')
  t.equal(dialectOf('mqtt'), undefined)
})

t.test('client messages of graphql-transport-ws', async t => {
  t.same(read(transport, { type: 'connection_init', payload: { authorization: 'Bearer x' } }), { type: 'init', payload: { authorization: 'Bearer x' } })
  t.same(read(transport, { type: 'subscribe', id: '1', payload: { query: 'subscription { a }', variables: { s: 1 }, operationName: 'A', extensions: {} } }),
    { type: 'subscribe', id: '1', request: { query: 'subscription { a }', variables: { s: 1 }, operationName: 'A' } })
  t.same(read(transport, { type: 'subscribe', id: '1', payload: { query: 'subscription { a }', variables: null, operationName: null } }),
    { type: 'subscribe', id: '1', request: { query: 'subscription { a }', variables: undefined, operationName: undefined } })
  t.same(read(transport, { type: 'complete', id: '1' }), { type: 'stop', id: '1' })
  t.same(read(transport, { type: 'ping', payload: { n: 1 } }), { type: 'ping', payload: { n: 1 } })
  t.same(read(transport, { type: 'pong' }), { type: 'pong' })
})

t.test('client messages of the legacy graphql-ws', async t => {
  t.same(read(legacy, { type: 'start', id: 'a', payload: { query: 'subscription { a }' } }), { type: 'subscribe', id: 'a', request: { query: 'subscription { a }', variables: undefined, operationName: undefined } })
  t.same(read(legacy, { type: 'stop', id: 'a' }), { type: 'stop', id: 'a' })
  t.same(read(legacy, { type: 'connection_terminate' }), { type: 'terminate' })
  t.ok(isInvalid(read(legacy, { type: 'subscribe', id: 'a', payload: { query: 'x' } })), 'the other dialect\'s names are not this one\'s')
})

t.test('malformed messages are invalid, with a reason', async t => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', 'subscription {', /JSON/],
    ['an array', [], /type/],
    ['no type', { id: '1' }, /type/],
    ['unknown type', { type: 'start', id: '1' }, /Invalid message type "start"/],
    ['inherited name', { type: 'toString' }, /Invalid message type/],
    ['no id', { type: 'subscribe', payload: { query: 'a' } }, /id/],
    ['empty id', { type: 'complete', id: '' }, /id/],
    ['numeric id', { type: 'complete', id: 1 }, /id/],
    ['long id', { type: 'complete', id: 'x'.repeat(257) }, /id of 1 to 256/],
    ['no payload', { type: 'subscribe', id: '1' }, /payload/],
    ['no query', { type: 'subscribe', id: '1', payload: {} }, /query/],
    ['empty query', { type: 'subscribe', id: '1', payload: { query: '' } }, /query/],
    ['variables not an object', { type: 'subscribe', id: '1', payload: { query: 'a', variables: [1] } }, /variables/],
    ['operationName not a string', { type: 'subscribe', id: '1', payload: { query: 'a', operationName: 1 } }, /operationName/]
  ]
  for (const [name, message, reason] of cases) {
    const parsed = read(transport, message)
    t.ok(isInvalid(parsed), name)
    if (isInvalid(parsed)) t.match(parsed.invalid, reason, name)
  }
})

t.test('a result frame: the subscriber\'s envelope around the group\'s bytes, one valid text frame at every header size', async t => {
  const received: string[] = []
  const receiver = new Receiver()
  receiver.on('message', (data: Buffer, isBinary: boolean) => { t.notOk(isBinary); received.push(data.toString()) })
  const payloads = [10, 200, 70_000].map(n => Buffer.from(JSON.stringify({ data: { s: 'x'.repeat(n) } })))
  const prefix = resultPrefix(transport, 'id "quoted"')
  for (const payload of payloads) receiver.write(textFrame(prefix, payload))
  t.same(received.map(r => JSON.parse(r)), payloads.map(p => ({ id: 'id "quoted"', type: 'next', payload: JSON.parse(p.toString()) })))
  t.same(JSON.parse(`${resultPrefix(legacy, '7').toString()}{}}`), { id: '7', type: 'data', payload: {} })
})

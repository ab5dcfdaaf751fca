// The gateway frames each upstream message once; the bytes must be what ws
// itself would write for a server text frame, at every length encoding.
import t from 'tap'
import * as ws from 'ws'
import { FrameCache } from '../../src/ws/downstream.js'

type Frame = (data: Buffer, options: object) => Buffer[]
const wsFrame = (ws as unknown as { Sender: { frame: Frame } }).Sender.frame

t.test('the same bytes as ws\'s own server text frames', async t => {
  const cache = new FrameCache()
  for (const length of [0, 1, 125, 126, 300, 65535, 65536, 70_000]) {
    const payload = Buffer.alloc(length, 'a')
    const expected = Buffer.concat(wsFrame(payload, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }))
    t.ok(cache.frame(payload).equals(expected), `${length} bytes`)
  }
})

t.test('one framing per payload, a new one for the next', async t => {
  const cache = new FrameCache()
  const a = Buffer.from('{"a":1}')
  const first = cache.frame(a)
  t.equal(cache.frame(a), first, 'the same Buffer again: framed once')
  const b = Buffer.from('{"b":2}')
  t.equal(cache.frame(b).subarray(2).toString(), '{"b":2}')
})

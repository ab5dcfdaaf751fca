// The bus's pure reading rules: what an entry is, and how a reader relates it
// to the last one it saw (next, duplicate, a gap, a new owner).
import t from 'tap'
import { after, continuity, entryAgeMs, parseEntry } from '../../src/replicas/bus-entry.js'

t.test('parseEntry reads our fields and ignores anything else', async t => {
  t.same(parseEntry('5-0', ['e', '7', 'o', '3', 'k', 'm', 't', '/market/ticker:BTC-USDT', 'p', '{}']),
    { id: '5-0', epoch: '7', offset: 3, kind: 'm', topic: '/market/ticker:BTC-USDT', payload: '{}' })
  t.equal(parseEntry('5-0', ['e', '7', 'o', '3', 'k', '?']), undefined, 'unknown kind')
  t.equal(parseEntry('5-0', ['e', '7', 'o', 'x', 'k', 'm']), undefined, 'bad offset')
  t.equal(parseEntry('5-0', ['o', '3', 'k', 'm']), undefined, 'no epoch')
})

t.test('continuity: first, next, duplicate, gap, new owner', async t => {
  const entry = (epoch: string, offset: number) => ({ id: '1-0', epoch, offset, kind: 'm' as const, topic: '', payload: '' })
  t.same(continuity(undefined, entry('1', 9)), { kind: 'first' })
  t.same(continuity({ epoch: '1', offset: 9 }, entry('1', 10)), { kind: 'next' })
  t.same(continuity({ epoch: '1', offset: 9 }, entry('1', 9)), { kind: 'duplicate' })
  t.same(continuity({ epoch: '1', offset: 9 }, entry('1', 4)), { kind: 'duplicate' })
  t.same(continuity({ epoch: '1', offset: 9 }, entry('1', 13)), { kind: 'gap', missed: 3 })
  t.same(continuity({ epoch: '1', offset: 9 }, entry('2', 10)), { kind: 'new-owner', previousEpoch: '1' }, 'a new epoch wins over a gap')
})

t.test('entry ids: age and exclusive ranges', async t => {
  t.equal(entryAgeMs('1000-3', 1250), 250)
  t.equal(entryAgeMs('2000-0', 1000), 0, 'never negative')
  t.equal(after('12-3'), '(12-3')
})

import t from 'tap'
import { canonicalDecimal } from '../../src/books/decimal.js'
import { BookSync, type Delta, type Row, type Snapshot } from '../../src/books/sync.js'

const snap = (sequence: number, bids: Array<[string, string]>, asks: Array<[string, string]>, limit?: number): Snapshot =>
  ({ sequence, bids, asks, time: sequence, limit })
const delta = (start: number, end: number, bids: Row[] = [], asks: Row[] = []): Delta => ({ start, end, bids, asks, time: end })
const book = (s: BookSync): { bids: string[][], asks: string[][] } => ({ bids: s.bids.top(Infinity), asks: s.asks.top(Infinity) })

t.test('canonical decimals: one text per price, whatever form KuCoin sent', async t => {
  t.equal(canonicalDecimal('67993.30'), '67993.3')
  t.equal(canonicalDecimal('5.000'), '5')
  t.equal(canonicalDecimal(90631.2), '90631.2')
  t.equal(canonicalDecimal(1e-7), '0.0000001')
  t.equal(canonicalDecimal(1.5e21), '1500000000000000000000')
  t.equal(canonicalDecimal('0007'), '7')
  t.equal(canonicalDecimal('0'), '0')
  t.equal(canonicalDecimal('-1'), undefined)
  t.equal(canonicalDecimal('abc'), undefined)
  t.equal(canonicalDecimal(Number.NaN), undefined)
})

t.test('buffered deltas the snapshot contains are dropped, the rest replayed row by row', async t => {
  const s = new BookSync(100)
  t.same(s.delta(delta(10, 11, [['100', '1', 10], ['99', '2', 11]])), [])
  t.same(s.delta(delta(12, 13, [['100', '0', 12]], [['101', '5', 13]])), [])
  // The snapshot is at 11: the first delta is in it, the second continues it.
  const events = s.snapshot(snap(11, [['100', '1'], ['99', '2']], [['102', '1']]))
  t.same(events, [{ kind: 'synced', sequence: 13 }])
  t.same(book(s), { bids: [['99', '2']], asks: [['101', '5'], ['102', '1']] })
})

t.test('a delta overlapping the snapshot applies only its newer rows', async t => {
  const s = new BookSync(100)
  s.delta(delta(5, 8, [['10', '1', 5], ['11', '1', 8]]))
  t.same(s.snapshot(snap(6, [['10', '1']], [])), [{ kind: 'synced', sequence: 8 }])
  t.same(book(s).bids, [['11', '1'], ['10', '1']])
})

t.test('a snapshot older than every buffered delta cannot be bridged: retry', async t => {
  const s = new BookSync(100)
  s.delta(delta(20, 21))
  t.same(s.snapshot(snap(10, [], [])), [{ kind: 'retry', cause: 'stale-snapshot' }])
  t.equal(s.state, 'buffering')
  t.equal(s.buffered, 1, 'the buffer is kept for the next snapshot')
  t.same(s.snapshot(snap(20, [['1', '1']], [])), [{ kind: 'synced', sequence: 21 }])
})

t.test('a gap between buffered deltas needs a snapshot from after it', async t => {
  const s = new BookSync(100)
  s.delta(delta(11, 11))
  s.delta(delta(14, 14))
  t.same(s.snapshot(snap(10, [], [])), [{ kind: 'retry', cause: 'gap' }])
  t.same(s.snapshot(snap(14, [], [])), [{ kind: 'synced', sequence: 14 }])
})

t.test('live: duplicates are ignored, a gap is lost with its size, the gap delta is kept', async t => {
  const s = new BookSync(100)
  s.snapshot(snap(100, [['1', '1']], []))
  t.same(s.delta(delta(101, 101, [['2', '1', 101]])), [{ kind: 'changes', start: 101, end: 101, bids: [['2', '1']], asks: [], time: 101 }])
  t.same(s.delta(delta(101, 101, [['2', '1', 101]])), [], 'a repeat')
  t.equal(s.counters.duplicates, 1)
  t.same(s.delta(delta(105, 106)), [{ kind: 'lost', cause: 'gap', missed: 3 }])
  t.equal(s.state, 'buffering')
  t.same(s.snapshot(snap(104, [], [])), [{ kind: 'synced', sequence: 106 }], 'the delta that showed the gap is replayed')
})

t.test('a reconnect loses a live book; price 0 rows only advance the sequence', async t => {
  const s = new BookSync(100)
  s.snapshot(snap(1, [], []))
  t.same(s.delta(delta(2, 2, [['0', '5', 2]])), [{ kind: 'changes', start: 2, end: 2, bids: [], asks: [], time: 2 }])
  t.same(s.reset('reconnect'), [{ kind: 'lost', cause: 'reconnect', missed: 0 }])
  t.same(s.reset('reconnect'), [], 'already buffering')
})

t.test('the buffer is bounded: the oldest deltas go first', async t => {
  const s = new BookSync(2)
  for (let i = 1; i <= 5; i++) s.delta(delta(i, i))
  t.equal(s.buffered, 2)
  t.equal(s.counters.overflowed, 3)
  t.same(s.snapshot(snap(1, [], [])), [{ kind: 'retry', cause: 'stale-snapshot' }])
})

t.test('a partial snapshot: only its price range is served, and a side shrinking below half resyncs', async t => {
  const s = new BookSync(100)
  s.snapshot(snap(1, [['10', '1'], ['9', '1'], ['8', '1'], ['7', '1']], [['11', '1'], ['12', '1']], 4))
  t.equal(s.bids.bound, 7, 'a full side of the top-N may hide deeper bids')
  t.equal(s.asks.bound, undefined, 'a side shorter than the limit is complete')
  const outside = s.delta(delta(2, 2, [['6', '3', 2], ['9.5', '2', 2]], [['50', '1', 2]]))
  t.same(outside, [{ kind: 'changes', start: 2, end: 2, bids: [['9.5', '2']], asks: [['50', '1']], time: 2 }], 'a bid below the range stays unknown')
  t.same(s.bids.top(10), [['10', '1'], ['9.5', '2'], ['9', '1'], ['8', '1'], ['7', '1']])
  s.delta(delta(3, 3, [['10', '0', 3], ['9.5', '0', 3]]))
  const events = s.delta(delta(4, 4, [['9', '0', 4], ['8', '0', 4]]))
  t.same(events.at(-1), { kind: 'lost', cause: 'shallow', missed: 0 })
})

// An independent model: a true book moved by random changes, and a feed that
// drops, repeats and reorders its deltas. Whenever the sync says it is live,
// its book must be the truth at its sequence.
t.test('randomised: under drops, repeats and reordering, a live book always equals the truth at its sequence', async t => {
  let seed = 7
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  const truth = { bids: new Map<string, string>(), asks: new Map<string, string>() }
  const history = new Map<number, string>()
  const render = (): string => JSON.stringify([[...truth.bids].sort((a, b) => Number(b[0]) - Number(a[0])), [...truth.asks].sort((a, b) => Number(a[0]) - Number(b[0]))])
  let sequence = 1000
  history.set(sequence, render())
  const s = new BookSync(50)
  const outbox: Delta[] = []
  let checked = 0
  let resyncs = 0
  for (let i = 0; i < 6000; i++) {
    // One upstream message of 1..3 changes.
    const rows: { bids: Row[], asks: Row[] } = { bids: [], asks: [] }
    const start = sequence + 1
    for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
      const bid = rand() < 0.5
      const price = String(bid ? 90 + Math.floor(rand() * 10) : 100 + Math.floor(rand() * 10))
      const size = rand() < 0.3 ? '0' : String(1 + Math.floor(rand() * 9))
      sequence++
      const side = bid ? truth.bids : truth.asks
      if (size === '0') side.delete(price)
      else side.set(price, size)
      ;(bid ? rows.bids : rows.asks).push([price, size, sequence])
    }
    history.set(sequence, render())
    const d = delta(start, sequence, rows.bids, rows.asks)
    const r = rand()
    if (r < 0.01) { /* dropped */ } else if (r < 0.02) outbox.push(d, d) // repeated
    else if (r < 0.03 && outbox.length > 0) outbox.splice(outbox.length - 1, 0, d) // reordered
    else outbox.push(d)
    while (outbox.length > 0) {
      for (const event of s.delta(outbox.shift()!)) if (event.kind === 'lost') resyncs++
    }
    // Now and then the shell's snapshot arrives: the truth at some recent sequence.
    if (s.state === 'buffering' && rand() < 0.3) {
      const at = sequence - Math.floor(rand() * 5)
      const [bids, asks] = JSON.parse(history.get(at) ?? history.get(sequence)!) as [Array<[string, string]>, Array<[string, string]>]
      s.snapshot(snap(history.has(at) ? at : sequence, bids, asks))
    }
    if (s.state === 'live') {
      checked++
      if (JSON.stringify([s.bids.top(Infinity), s.asks.top(Infinity)]) !== history.get(s.sequence)) {
        t.fail(`book differs from the truth at ${s.sequence}`)
        return
      }
    }
  }
  t.ok(checked > 3000, `checked ${checked} live states`)
  t.ok(resyncs > 20, `went through ${resyncs} resyncs`)
})

t.test('cross-check: KuCoin\'s top levels at the book\'s own sequence must match, other sequences say nothing', async t => {
  const s = new BookSync(100)
  s.snapshot(snap(50, [['10', '1'], ['9', '2']], [['11', '3']]))
  t.same(s.crossCheck(49, [['99', '9']], []), { compared: false, events: [] }, 'another sequence cannot be compared')
  t.same(s.crossCheck(50, [['10', '1']], [['11', '3']]), { compared: true, events: [] }, 'the same best levels')
  t.same(s.crossCheck(50, [['10', '1'], ['9', '5']], [['11', '3']]), { compared: true, events: [{ kind: 'lost', cause: 'cross-check', missed: 0 }] }, 'a size differs: resync')
  t.equal(s.state, 'buffering')
})

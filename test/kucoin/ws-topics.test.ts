// The hand-written topic table against KuCoin's own list (spec ws.csv, in
// ../shared when present, as for the REST catalog's drift check).
import t from 'tap'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import type { Market } from '../../src/kucoin/catalog.js'
import { PUSH_ALIASES, WS_TOPICS } from '../../src/kucoin/ws-topics.js'

const csvPath = new URL('../../../shared/kucoin/spec/ws.csv', import.meta.url)

interface Row { market: Market, topic: string, isPublic: boolean }

function rows (): Row[] {
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1)
  return lines.map(line => {
    // service,topic,method,public; only the topic may be quoted (it has commas).
    const match = /^(\w+),("([^"]*)"|[^,]*),[^,]*,(True|False)$/.exec(line.trim())
    if (!match) throw new Error(`unexpected ws.csv line: ${line}`)
    return { market: match[1] === 'Futures' ? 'futures' : 'spot', topic: match[3] ?? match[2]!, isPublic: match[4] === 'True' }
  })
}

t.test('every topic of the spec is in the table, with its channel and argument shape', { skip: !existsSync(csvPath) && 'no ../shared/kucoin/spec' }, async t => {
  const spec = rows()
  t.ok(spec.length > 30)
  for (const { market, topic, isPublic } of spec) {
    const [prefix, arg] = topic.includes(':') ? topic.split(/:(.*)/s) as [string, string] : [topic, undefined]
    const entry = WS_TOPICS[market].get(prefix)
    if (!entry) { t.fail(`${market} ${prefix} is missing`); continue }
    t.equal(entry.private, !isPublic, `${prefix}: private`)
    if (arg === undefined) t.ok(entry.symbols === 'none' || entry.optionalArg, `${prefix}: valid without an argument`)
    else if (arg === '{symbol},{symbol}') t.equal(entry.symbols, 'many', `${prefix}: a symbol list`)
    else if (arg === '{symbol}_{type}') t.equal(entry.arg, 'candle', `${prefix}: candles`)
    else if (arg === 'all') t.equal(entry.arg, 'ticker', `${prefix}: all`)
    else if (arg === '{market}') t.equal(entry.arg, 'snapshot', `${prefix}: a market tag`)
    else if (arg === '{symbol}') t.not(entry.symbols, 'none', `${prefix}: a symbol`)
    else t.fail(`${prefix}: unknown argument ${arg}`)
  }
  const listed = new Set(spec.map(r => `${r.market} ${r.topic.split(':')[0]!}`))
  const extra = (['spot', 'futures'] as const).flatMap(m => [...WS_TOPICS[m].keys()].map(p => `${m} ${p}`)).filter(k => !listed.has(k))
  t.same(extra, [], 'and nothing the spec does not list')
})

// The spec's push examples (spec/ws/*.json, `x-response-example`) and push frequencies.
const wsDir = new URL('../../../shared/kucoin/spec/ws/', import.meta.url)

interface Operation { market: Market, topic: string, private: boolean, frequency: string, example: Record<string, any> }

function operations (): Operation[] {
  return readdirSync(wsDir).filter(f => f.endsWith('.json')).flatMap(file => {
    const doc = JSON.parse(readFileSync(new URL(file, wsDir), 'utf8')) as { paths: Record<string, Record<string, Record<string, any>>> }
    const market: Market = file.includes('futures') ? 'futures' : 'spot'
    return Object.values(doc.paths).flatMap(methods => Object.values(methods)).map(op => {
      // The example is JSON text escaped once more inside the string.
      const raw = op['x-response-example'] as string
      let example: Record<string, any>
      try { example = JSON.parse(raw) } catch { example = JSON.parse(JSON.parse(`"${raw.replace(/\n/g, '\\n')}"`)) }
      return { market, topic: op['x-topic'] as string, private: op['x-sdk-private'] === true, frequency: String(op['x-push_frequency'] ?? ''), example }
    })
  })
}

const prefixOf = (topic: string): string => topic.split(':')[0]!

/**
 * Examples whose topic is plainly copied from another topic's example (the
 * same subject and payload family), not how KuCoin pushes: checked below to
 * name a topic of the spec with the same subject.
 */
const ERRATA: Record<string, string> = {
  'spot /spotMarket/tradeOrders': '/spotMarket/tradeOrdersV2',
  'spot /callauction/level2Depth50': '/spotMarket/level2Depth50'
}

/** A push period of a second or more: pushed on KuCoin's clock, not on market activity. */
function periodMs (frequency: string): number | undefined {
  if (/real/i.test(frequency)) return undefined
  const match = /(\d+)\s*(ms|s|min)\b/.exec(frequency)
  if (!match) return undefined
  return Number(match[1]) * { ms: 1, s: 1000, min: 60_000 }[match[2] as 'ms' | 's' | 'min']
}

t.test('push aliases: the table explains every spec example pushed under another topic, and nothing else', { skip: !existsSync(wsDir) && 'no ../shared/kucoin/spec' }, async t => {
  const ops = operations()
  t.ok(ops.length > 30)
  const needed = new Set<string>()
  for (const op of ops) {
    const pushed = op.example.topic as string
    const [subPrefix, subArg] = [prefixOf(op.topic), op.topic.includes(':')]
    const [pushPrefix, pushArg] = [prefixOf(pushed), pushed.includes(':')]
    if (subPrefix === pushPrefix && subArg === pushArg) continue
    const erratum = ERRATA[`${op.market} ${subPrefix}`]
    if (erratum !== undefined) {
      t.equal(pushPrefix, erratum, `${subPrefix}: the erratum names the example's topic`)
      const original = ops.find(o => o.market === op.market && prefixOf(o.topic) === erratum)
      t.equal(original?.example.subject, op.example.subject, `${subPrefix}: copied from ${erratum}'s example`)
      continue
    }
    const alias = PUSH_ALIASES[op.market].find(a => a.push === pushPrefix && a.to === subPrefix)
    t.ok(alias, `${op.market} ${op.topic} is pushed as ${pushed}: an alias`)
    if (alias) t.equal(alias.symbolFromData === true, subArg && !pushArg, `${subPrefix}: the symbol comes from data exactly when the push has none`)
    needed.add(`${op.market} ${pushPrefix} ${subPrefix}`)
  }
  const extra = (['spot', 'futures'] as const).flatMap(m => PUSH_ALIASES[m].map(a => `${m} ${a.push} ${a.to}`)).filter(k => !needed.has(k))
  t.same(extra, [], 'no alias the spec does not show')
})

t.test('subjects and the state/event and freshness classes, against the spec', { skip: !existsSync(wsDir) && 'no ../shared/kucoin/spec' }, async t => {
  for (const op of operations()) {
    const spec = WS_TOPICS[op.market].get(prefixOf(op.topic))!
    const name = `${op.market} ${op.topic}`
    if (op.topic === '/market/ticker:all') t.match(op.example.subject, /^[A-Z0-9]+-[A-Z0-9]+$/, `${name}: the subject is the symbol`)
    else t.ok(spec.subjects.includes(op.example.subject), `${name}: subject ${op.example.subject} is listed`)
    const period = periodMs(op.frequency)
    t.equal(spec.freshness === 'periodic', period !== undefined && period >= 1000, `${name}: pushed every ${op.frequency} → ${spec.freshness}`)
    if (period !== undefined) t.equal(spec.kind, 'state', `${name}: a throttled or periodic push is a whole value`)
    const data = JSON.stringify(op.example.data)
    // A ticker names its last trade too, but with the best bid and ask it is a whole value.
    if (/"(changes?|sequenceStart|tradeId|orderId)"/.test(data) && !/"bestBid/.test(data)) t.equal(spec.kind, 'event', `${name}: deltas, trades and orders are events`)
    if (spec.arg === 'candle') t.equal(spec.kind, 'state', `${name}: a candle is a state (per start time)`)
    if (op.private && spec.freshness !== 'periodic') t.equal(spec.freshness, 'none', `${name}: silence on account topics is normal`)
    t.equal(spec.conflate, spec.kind === 'state', `${name}: conflated exactly when a state`)
  }
})

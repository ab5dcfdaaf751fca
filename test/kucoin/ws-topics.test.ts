// The hand-written topic table against KuCoin's own list (spec ws.csv, in
// ../shared when present, as for the REST catalog's drift check).
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import type { Market } from '../../src/kucoin/catalog.js'
import { WS_TOPICS } from '../../src/kucoin/ws-topics.js'

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

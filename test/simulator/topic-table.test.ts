// The simulator's topic table against KuCoin's own list, the spec's ws.csv
// (in ../shared beside the repository; the test is skipped without it).
import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import { TOPICS } from '../../src/simulator/ws/topic-table.js'

const csv = new URL('../../../shared/kucoin/spec/ws.csv', import.meta.url)

interface Listed { market: 'spot' | 'futures', prefix: string, args: string, isPublic: boolean }

function listed (): Listed[] {
  return readFileSync(csv, 'utf8').trim().split('\n').slice(1).map(line => {
    // service,topic,method,public; the topic is quoted when it holds a comma.
    const match = /^(\w+),(?:"([^"]*)"|([^,]*)),[^,]*,(True|False)$/.exec(line.trim())
    if (match === null) throw new Error(`unexpected ws.csv line: ${line}`)
    const topic = match[2] ?? match[3]!
    const colon = topic.indexOf(':')
    return {
      market: match[1] === 'Futures' ? 'futures' : 'spot',
      prefix: colon < 0 ? topic : topic.slice(0, colon),
      args: colon < 0 ? '' : topic.slice(colon + 1),
      isPublic: match[4] === 'True'
    }
  })
}

t.test('every topic of ws.csv, on its host, public or private as listed; nothing else', { skip: existsSync(csv) ? false : 'no ../shared/kucoin/spec' }, async t => {
  const rows = listed()
  for (const row of rows) {
    const spec = TOPICS[row.market].get(row.prefix)
    t.ok(spec, `${row.market} ${row.prefix}`)
    t.equal(spec?.private, !row.isPublic, `${row.prefix}: ${row.isPublic ? 'public' : 'private'}`)
    if (row.args === '') t.ok(spec?.symbols === 'none' || spec?.optionalArg === true, `${row.prefix}: valid without an argument`)
    else t.not(spec?.symbols, 'none', `${row.prefix}: takes ${row.args}`)
    if (row.args.includes('_{type}')) t.equal(spec?.arg, 'candle', `${row.prefix}: SYMBOL_type`)
  }
  for (const market of ['spot', 'futures'] as const) {
    for (const prefix of TOPICS[market].keys()) t.ok(rows.some(r => r.market === market && r.prefix === prefix), `${market} ${prefix} is in ws.csv`)
  }
})

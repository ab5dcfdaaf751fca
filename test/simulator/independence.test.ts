// The simulator stands in for KuCoin, so it must be built from the protocol,
// never from the gateway's code: a misreading shared by both would pass every
// test. This scans every import under src/simulator/ and allows only other
// simulator files, node: built-ins and the ws package.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const simulator = join(root, 'src', 'simulator')
const PACKAGES = new Set(['ws'])

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every module specifier: `import … from`, `export … from`, side-effect `import '…'`, `import('…')`, `require('…')`. */
export function specifiers (text: string): string[] {
  const found: string[] = []
  const patterns = [/^\s*(?:import|export)\s+(?:type\s+)?[\w*{}\s,]+?\s+from\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!)
  return found
}

function offence (file: string, spec: string): string | undefined {
  if (spec.startsWith('node:') || PACKAGES.has(spec)) return undefined
  if (!spec.startsWith('.')) return `${spec} (a package the simulator does not need)`
  const target = resolve(dirname(file), spec)
  return target.startsWith(simulator + '/') ? undefined : relative(root, target)
}

t.test('nothing under src/simulator imports gateway code', async t => {
  const files = sources(simulator)
  t.ok(files.length > 30, `${files.length} files scanned`)
  const offences = files.flatMap(file => specifiers(readFileSync(file, 'utf8'))
    .map(spec => offence(file, spec)).filter(o => o !== undefined).map(o => `${relative(root, file)} → ${o}`))
  t.same(offences, [], 'only simulator files, node: built-ins and ws')
})

t.test('the scanner sees every form of import (so the test above can fail)', async t => {
  const text = [
    "import type { Market } from '../../kucoin/catalog.js'",
    "export { x } from '../ws/hub.js'",
    "import {\n  a,\n  type B\n} from '../http/host-check.js'",
    "import '../config.js'",
    "const m = await import('../../errors.js')"
  ].join('\n')
  t.same(specifiers(text), ['../../kucoin/catalog.js', '../ws/hub.js', '../http/host-check.js', '../config.js', '../../errors.js'])
  const file = join(simulator, 'rest', 'x.ts')
  t.equal(offence(file, '../../kucoin/signer.js'), 'src/kucoin/signer.js')
  t.equal(offence(file, '../engine/market.js'), undefined)
  t.equal(offence(file, 'undici'), 'undici (a package the simulator does not need)')
})

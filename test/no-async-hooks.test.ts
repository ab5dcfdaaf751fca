// The gateway keeps async_hooks off: on Node 20 the first AsyncLocalStorage.run()
// turns on promise hooks for the whole process, and every promise (REST's too)
// pays for them from then on (docs/benchmarks.md, GraphQL). Call contexts are
// passed explicitly instead (src/http/caller-signal.ts).
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const FORBIDDEN = /\basync_hooks\b|\bAsyncLocalStorage\b|\bAsyncResource\b|\bcreateHook\s*\(|\bexecutionAsyncResource\b/

/** The code without its comments, which may well name what the code avoids. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : []
  })
}

t.test('src/ never uses async_hooks', async t => {
  const files = sources(SRC)
  t.ok(files.length > 50, `read ${files.length} source files`)
  const offenders = files.filter(file => FORBIDDEN.test(code(readFileSync(file, 'utf8')))).map(file => file.slice(SRC.length))
  t.same(offenders, [], 'no file imports async_hooks or names AsyncLocalStorage, AsyncResource or createHook')
})

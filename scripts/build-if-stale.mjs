// `npm start` runs this first: it compiles src/ to dist/ only when dist/ is
// missing or older than a source or compiler setting, so a second start does
// not wait for tsc. Plain JavaScript, so it needs nothing compiled to run.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname

/** Newest modification time under a directory (files only), or of a file. */
function newest (path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map(name => newest(join(path, name))))
}

const built = newest(join(root, 'dist/server.js'))
const inputs = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')), newest(join(root, 'package-lock.json')))
if (built > 0 && built >= inputs) {
  console.error('dist/ is up to date with src/: starting without compiling')
} else {
  console.error(built === 0 ? 'dist/ is missing: compiling src/ (npm run build)' : 'src/ changed since the last build: compiling (npm run build)')
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
}

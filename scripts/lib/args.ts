// The command line the spec-reading generators share: `[--check] [--spec <dir>]`,
// the spec defaulting to ../shared/kucoin/spec beside the repository.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export function specArgs (argv = process.argv.slice(2)): { check: boolean, specDir: string, apiDir: string } {
  const at = argv.indexOf('--spec')
  const specDir = at >= 0 ? argv[at + 1]! : join(root, '..', 'shared', 'kucoin', 'spec')
  return { check: argv.includes('--check'), specDir, apiDir: join(specDir, 'rest', 'api') }
}

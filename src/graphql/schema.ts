// The SDL: every schema/*.graphql file, in name order, as one document. The
// server and the type generator read it through here, so they cannot see
// different schemas.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url))

export function loadSdl (dir = SCHEMA_DIR): string {
  const files = readdirSync(dir).filter(name => name.endsWith('.graphql')).sort()
  if (files.length === 0) throw new Error(`no .graphql files in ${dir}`)
  return files.map(name => readFileSync(join(dir, name), 'utf8')).join('\n')
}

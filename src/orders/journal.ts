// An append-only JSON-lines file behind the in-memory store: one line per
// change, written with a synchronous write(2) before the placement is sent
// (tens of µs; it survives a crash of the process, and with fsync a power
// loss). At start it is replayed, then rewritten with the live records only.
import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { PlacementRecord } from './idempotency-store.js'

type Entry = { put: PlacementRecord } | { drop: [caller: string, key: string] }

export class Journal {
  private fd: number | undefined
  /** Lines appended since the last rewrite. */
  lines = 0

  constructor (private readonly path: string, private readonly fsync: boolean) {
    mkdirSync(dirname(path), { recursive: true })
  }

  /** Every record the file holds, latest version of each; a torn last line (a crash mid-write) is skipped. */
  load (): PlacementRecord[] {
    let text = ''
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const records = new Map<string, PlacementRecord>()
    for (const line of text.split('\n')) {
      if (line === '') continue
      let entry: Entry
      try {
        entry = JSON.parse(line) as Entry
      } catch {
        continue
      }
      if ('put' in entry) records.set(`${entry.put.caller}\n${entry.put.key}`, entry.put)
      else records.delete(`${entry.drop[0]}\n${entry.drop[1]}`)
    }
    return [...records.values()]
  }

  append (entry: Entry): void {
    this.fd ??= openSync(this.path, 'a', 0o600)
    writeSync(this.fd, JSON.stringify(entry) + '\n')
    if (this.fsync) fdatasyncSync(this.fd)
    this.lines++
  }

  /** Rewrites the file with just these records (to a temporary file, then renamed over it). */
  compact (records: PlacementRecord[]): void {
    const tmp = `${this.path}.tmp`
    writeFileSync(tmp, records.map(put => JSON.stringify({ put }) + '\n').join(''), { mode: 0o600 })
    if (this.fd !== undefined) closeSync(this.fd)
    renameSync(tmp, this.path)
    this.fd = openSync(this.path, 'a', 0o600)
    if (this.fsync) fdatasyncSync(this.fd)
    this.lines = 0
  }

  close (): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

// The one pagination convention: `first` + `after` in, `{ items, pageInfo }`
// out. Cursors are opaque to clients; inside they hold whatever the KuCoin
// endpoint pages by (a `lastId`, a page number, or an offset into a list the
// gateway pages itself).
import { GatewayError } from '../errors.js'
import type { PageInfo } from './schema-types.generated.js'

export type Cursor = Record<string, number>

export function encodeCursor (cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/** The cursor's fields, or undefined for the first page; a cursor not made here is a bad request. */
export function decodeCursor (after: string | null | undefined, fields: readonly string[]): Cursor | undefined {
  if (after === null || after === undefined || after === '') return undefined
  try {
    const parsed = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as Cursor
    if (fields.every(f => Number.isSafeInteger(parsed[f]))) return parsed
  } catch {}
  throw new GatewayError('bad-request', { detail: '`after` is not a cursor of this list' })
}

export function pageSize (first: number | null | undefined, fallback: number, max: number): number {
  const size = first ?? fallback
  if (!Number.isInteger(size) || size < 1 || size > max) throw new GatewayError('bad-request', { detail: `first must be from 1 to ${max}` })
  return size
}

export function pageInfo (next: Cursor | undefined): PageInfo {
  return next === undefined ? { hasNextPage: false, endCursor: null } : { hasNextPage: true, endCursor: encodeCursor(next) }
}

/** Pages a list the gateway has whole (KuCoin answers it unpaged). */
export function slice<T> (items: T[], first: number, after: Cursor | undefined): { items: T[], pageInfo: PageInfo } {
  const offset = after?.offset ?? 0
  const end = offset + first
  return { items: items.slice(offset, end), pageInfo: pageInfo(end < items.length ? { offset: end } : undefined) }
}

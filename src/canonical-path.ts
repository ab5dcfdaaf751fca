// The path KuCoin (or any proxy in front of it) could end up routing, worked
// out before the policy looks at it. The gateway forwards the path as sent,
// so a trick that makes a denied endpoint look like an allowed one — dot
// segments, encoded or doubled slashes, backslashes, case, matrix parameters,
// trailing junk — must be seen through here, not at KuCoin.

export const MAX_PATH_LENGTH = 1024

export type CanonicalPath =
  | { ok: true, path: string, /** true when the raw path is already canonical (ignoring case) */ exact: boolean }
  | { ok: false, reason: string }

/** Decodes until stable, so `%252F` cannot hide a slash behind one decoding. */
function decodeFully (raw: string): string | undefined {
  let current = raw
  for (let i = 0; i < 4; i++) {
    if (!current.includes('%')) return current
    let next: string
    try {
      next = decodeURIComponent(current)
    } catch {
      return undefined
    }
    if (next === current) return current
    current = next
  }
  return undefined
}

// Servers trim these in different ways; none belongs at the end of a KuCoin path segment.
const TRAILING_SPACE = /[\s\x00-\x1f]+$/ // eslint-disable-line no-control-regex
const TRAILING_DOTS = /\.+$/

/** Drops `;matrix` parameters and trailing whitespace or control characters. */
function bareSegment (segment: string): string {
  const semicolon = segment.indexOf(';')
  return (semicolon === -1 ? segment : segment.slice(0, semicolon)).replace(TRAILING_SPACE, '')
}

/** `/api/v1/x` as KuCoin would resolve it, lower-cased, or why it cannot be trusted. */
export function canonicalPath (raw: string, maxLength = MAX_PATH_LENGTH): CanonicalPath {
  if (raw.length > maxLength) return { ok: false, reason: `the path is longer than ${maxLength} characters` }
  const decoded = decodeFully(raw)
  if (decoded === undefined) return { ok: false, reason: 'the path has malformed or deeply nested percent-encoding' }
  const out: string[] = []
  for (const part of decoded.replaceAll('\\', '/').split('/')) {
    const bare = bareSegment(part)
    if (bare === '..') {
      if (out.length === 0) return { ok: false, reason: 'the path climbs above its root' }
      out.pop()
      continue
    }
    const segment = bare.replace(TRAILING_DOTS, '')
    if (segment !== '') out.push(segment.toLowerCase())
  }
  const path = '/' + out.join('/')
  return { ok: true, path, exact: path === raw.toLowerCase() }
}

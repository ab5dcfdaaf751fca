// Prices and sizes as canonical decimal strings, so one price has one key
// whatever form KuCoin sent it in: spot sends strings ("67993.30"), futures
// snapshots send JSON numbers (90631.2, or 1e-7 for tiny ones) while its
// deltas send strings. Canonical: no exponent, no trailing zeros, no "-0".

/** Already canonical (what KuCoin's spot deltas mostly send): taken as is, without splitting and trimming. */
const CANONICAL = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/
const PLAIN = /^(\d+)(?:\.(\d*))?$/
const EXPONENT = /^(\d+)(?:\.(\d*))?e([+-]?\d+)$/i

/** The canonical decimal text of a non-negative price or size, or undefined when it is not one. */
export function canonicalDecimal (value: unknown): string | undefined {
  let text: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined
    text = String(value)
  } else if (typeof value === 'string') {
    if (CANONICAL.test(value)) return value
    text = value.trim()
  } else {
    return undefined
  }
  const plain = PLAIN.exec(text)
  if (plain) return trim(plain[1]!, plain[2] ?? '')
  const exp = EXPONENT.exec(text)
  if (!exp) return undefined
  return shift(exp[1]!, exp[2] ?? '', Number(exp[3]))
}

/** Moves the point of `int.frac` by `by` places (the exponent of 1.5e-7). */
function shift (int: string, frac: string, by: number): string | undefined {
  if (Math.abs(by) > 400) return undefined
  const digits = int + frac
  const point = int.length + by
  if (point <= 0) return trim('0', '0'.repeat(-point) + digits)
  if (point >= digits.length) return trim(digits + '0'.repeat(point - digits.length), '')
  return trim(digits.slice(0, point), digits.slice(point))
}

function trim (int: string, frac: string): string {
  const i = int.replace(/^0+(?=\d)/, '')
  const f = frac.replace(/0+$/, '')
  return f === '' ? i : `${i}.${f}`
}

/** True for the canonical text of zero. */
export const isZero = (canonical: string): boolean => canonical === '0'

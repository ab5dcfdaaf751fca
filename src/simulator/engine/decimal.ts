// Number formatting in KuCoin's style: decimals as strings without trailing
// zeros ("67269", "0.0005"), rounded to the instrument's precision.

/** `value` rounded to `decimals` places, trailing zeros removed. */
export function fmt (value: number, decimals: number): string {
  const fixed = value.toFixed(decimals)
  if (!fixed.includes('.')) return fixed
  const trimmed = fixed.replace(/0+$/, '').replace(/\.$/, '')
  return trimmed === '-0' ? '0' : trimmed
}

/** Rounds to `decimals` places and returns a number (for futures fields KuCoin sends as numbers). */
export function round (value: number, decimals: number): number {
  const factor = 10 ** decimals
  return Math.round(value * factor) / factor
}

/** Rounds down to a multiple of 10^-decimals (sizes a balance can afford). */
export function floorTo (value: number, decimals: number): number {
  const factor = 10 ** decimals
  return Math.floor(value * factor + 1e-9) / factor
}

/** Places after the point in an increment such as 0.001 → 3. */
export function decimalsOf (increment: number): number {
  const text = increment.toFixed(12).replace(/0+$/, '')
  const dot = text.indexOf('.')
  return dot < 0 ? 0 : text.length - dot - 1
}

/** Parses a strictly positive decimal given as string or number; undefined when absent or invalid. */
export function positiveDecimal (value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value)) return undefined
  const n = Number(value)
  return Number.isFinite(n) && n > 0 ? n : undefined
}

// The two custom scalars. Decimal keeps amounts exact by never letting them
// become binary floats on the way out; Timestamp is one unit (ms) for every
// time KuCoin sends in seconds, milliseconds or nanoseconds.
import { Kind, type ValueNode } from 'graphql'
import { GatewayError } from '../errors.js'
import type { ScalarResolver } from './schema-types.generated.js'

const DECIMAL = /^-?\d+(\.\d+)?$/

/** A finite number in plain decimal notation (no exponent), in its shortest round-trip digits. */
export function plainDecimal (n: number): string {
  const text = String(n)
  const e = text.indexOf('e')
  if (e === -1) return text
  const [int, frac = ''] = text.slice(n < 0 ? 1 : 0, e).split('.')
  const digits = int! + frac
  const point = int!.length + Number(text.slice(e + 1))
  const sign = n < 0 ? '-' : ''
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  return `${sign}${digits.padEnd(point, '0')}${point < digits.length ? '.' + digits.slice(point) : ''}`
}

function badInput (what: string): GatewayError {
  return new GatewayError('bad-request', { detail: what })
}

function decimalIn (value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return plainDecimal(value)
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim()
  throw badInput(`a Decimal is a decimal number such as "0.5" (got ${JSON.stringify(value)})`)
}

function timestampIn (value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value)
  if (typeof value === 'string') {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
    if (Number.isFinite(ms)) return ms
  }
  throw badInput(`a Timestamp is milliseconds since the epoch or an ISO-8601 string (got ${JSON.stringify(value)})`)
}

function literal (ast: ValueNode): unknown {
  if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value)
  if (ast.kind === Kind.STRING) return ast.value
  return undefined
}

export const decimalScalar: ScalarResolver = {
  // Mappers hand over KuCoin's strings as sent and numbers as numbers.
  serialize: value => typeof value === 'string' ? value : decimalIn(value),
  parseValue: decimalIn,
  // The literal's own digits, never a float: `0.1` stays "0.1".
  parseLiteral: ast => decimalIn(ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? ast.value : undefined)
}

export const timestampScalar: ScalarResolver = {
  serialize: value => value instanceof Date ? value.getTime() : timestampIn(value),
  parseValue: timestampIn,
  parseLiteral: ast => timestampIn(literal(ast))
}

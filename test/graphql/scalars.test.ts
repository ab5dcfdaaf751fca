// Decimal and Timestamp: exact in, exact out.
import t from 'tap'
import { Kind } from 'graphql'
import { decimalScalar, plainDecimal, timestampScalar } from '../../src/graphql/scalars.js'

/** The gateway error kind `fn` throws, if any. */
function kindOf (fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return (error as { kind?: unknown }).kind
  }
  return undefined
}

t.test('numbers are written as plain decimals in their shortest exact digits', async t => {
  t.equal(plainDecimal(0.1), '0.1')
  t.equal(plainDecimal(1e-7), '0.0000001')
  t.equal(plainDecimal(-2.5e-8), '-0.000000025')
  t.equal(plainDecimal(1.5e21), '1500000000000000000000')
  t.equal(plainDecimal(1.2345e22), '12345000000000000000000')
  t.equal(plainDecimal(86378.69), '86378.69')
  t.equal(plainDecimal(-3), '-3')
})

t.test('Decimal passes KuCoin strings through and refuses what is not a decimal', async t => {
  t.equal(decimalScalar.serialize('0.00001000'), '0.00001000', 'trailing zeros kept as KuCoin sent them')
  t.equal(decimalScalar.serialize(0.000052), '0.000052')
  t.equal(decimalScalar.parseValue(' 12.5 '), '12.5')
  t.equal(decimalScalar.parseValue(3), '3')
  t.equal(decimalScalar.parseLiteral({ kind: Kind.FLOAT, value: '0.1000000000000000055511151231257827' }), '0.1000000000000000055511151231257827', 'a literal keeps its digits')
  t.equal(kindOf(() => decimalScalar.parseValue('1e3')), 'bad-request')
  t.equal(kindOf(() => decimalScalar.parseValue('abc')), 'bad-request')
  t.equal(kindOf(() => decimalScalar.parseLiteral({ kind: Kind.BOOLEAN, value: true })), 'bad-request')
})

t.test('Timestamp is milliseconds; ISO strings are accepted as input', async t => {
  t.equal(timestampScalar.serialize(1729577515444.9), 1729577515444)
  t.equal(timestampScalar.serialize(new Date(5)), 5)
  t.equal(timestampScalar.parseValue('2024-10-22T06:11:55.444Z'), 1729577515444)
  t.equal(timestampScalar.parseValue('1729577515444'), 1729577515444)
  t.equal(timestampScalar.parseLiteral({ kind: Kind.INT, value: '42' }), 42)
  t.equal(kindOf(() => timestampScalar.parseValue('yesterday')), 'bad-request')
})

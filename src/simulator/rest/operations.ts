// The operations the simulator answers, from its own reading of the spec
// (operations.generated.ts, by scripts/gen-simulator.ts) plus the few newer
// ones current clients call at start-up that the Classic spec lacks.
import type { Market } from '../types.js'
import { SPEC_OPERATIONS } from './operations.generated.js'

export type Host = Market | 'broker'

export type OperationRow = readonly [
  host: string, method: string, path: string, signed: boolean, permission: string | null, pool: string, weight: number
]

export interface Operation {
  host: Host
  method: string
  /** Path template as in the spec, e.g. `/api/v1/hf/orders/{orderId}`. */
  path: string
  signed: boolean
  /** Key permission the route needs besides General; null for General or public data. */
  permission: string | null
  pool: string
  weight: number
}

/**
 * Not in the Classic spec (PROTOCOL §0.6, §10): the Unified Trading Account's
 * account-mode probe. ccxt 4.5 calls it in loadMarkets and fetchCurrencies as
 * soon as keys are set, and treats anything but `selfAccountMode: UNIFIED` as
 * a Classic account. Pool per PROTOCOL §4.1; weight as ccxt charges it.
 */
const NEWER_OPERATIONS: readonly OperationRow[] = [
  ['spot', 'GET', '/api/ua/v1/account/mode', true, 'General', 'Unified Account', 30]
]

interface Template { parts: string[], operation: Operation }

const toOperation = ([host, method, path, signed, permission, pool, weight]: OperationRow): Operation =>
  ({ host: host as Host, method, path, signed, permission, pool, weight })

/** A `{name}` part matches one non-empty segment; text around it must match literally (`level2_{size}`). */
function partMatches (template: string, segment: string): boolean {
  const open = template.indexOf('{')
  if (open < 0) return template === segment
  const suffix = template.slice(template.indexOf('}') + 1)
  return segment.length > open + suffix.length && segment.startsWith(template.slice(0, open)) && segment.endsWith(suffix)
}

/** Finds the operation for a concrete path: exact paths first, then the template with the most literal segments. */
export class OperationIndex {
  private readonly exact = new Map<string, Operation>()
  private readonly templates = new Map<string, Template[]>()

  constructor (rows: readonly OperationRow[] = [...SPEC_OPERATIONS, ...NEWER_OPERATIONS]) {
    for (const operation of rows.map(toOperation)) {
      const key = `${operation.host} ${operation.method}`
      if (!operation.path.includes('{')) {
        this.exact.set(`${key} ${operation.path}`, operation)
        continue
      }
      const list = this.templates.get(key) ?? []
      list.push({ parts: operation.path.split('/'), operation })
      this.templates.set(key, list)
    }
    const literals = (t: Template): number => t.parts.filter(p => !p.includes('{')).length
    for (const list of this.templates.values()) list.sort((a, b) => literals(b) - literals(a))
  }

  /** HEAD is answered as GET. */
  find (host: Host, method: string, path: string): Operation | undefined {
    const key = `${host} ${method === 'HEAD' ? 'GET' : method}`
    const hit = this.exact.get(`${key} ${path}`)
    if (hit !== undefined) return hit
    const segments = path.split('/')
    return this.templates.get(key)?.find(t => t.parts.length === segments.length && t.parts.every((p, i) => partMatches(p, segments[i]!)))?.operation
  }
}

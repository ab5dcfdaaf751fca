// Verification of KuCoin's signed-request headers, in the order recommended by
// PROTOCOL §1.7. Each failure throws the SimError KuCoin would answer with.
import type { IncomingHttpHeaders } from 'node:http'
import { SimError } from './errors.js'
import type { Operation } from './operations.js'
import { expectedPassphrase, signatureValid } from './signature.js'
import type { SimKey } from '../types.js'

export interface SignedRequest {
  method: string
  path: string
  /** The query exactly as received, without `?`. */
  rawQuery: string
  body: string
  headers: IncomingHttpHeaders
}

export interface AuthPolicy {
  windowMs: number
  querySigning: 'decoded' | 'decoded-or-raw'
}

interface KeyEntry { key: SimKey, passphrase: string }

/** The accepted keys, with each key's expected passphrase header computed once. */
export class KeyRing {
  private readonly entries = new Map<string, KeyEntry>()

  constructor (keys: readonly SimKey[]) {
    for (const key of keys) this.entries.set(key.key, { key, passphrase: expectedPassphrase(key.version, key.secret, key.passphrase) })
  }

  get (key: string): KeyEntry | undefined {
    return this.entries.get(key)
  }
}

function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Returns the verified key or throws. A missing KC-API-KEY-VERSION counts as
 * version 1, the only version that predates the header.
 */
export function authenticate (request: SignedRequest, endpoint: Operation, ring: KeyRing, now: number, policy: AuthPolicy): SimKey {
  const { headers } = request
  const apiKey = header(headers, 'kc-api-key')
  const sign = header(headers, 'kc-api-sign')
  const timestamp = header(headers, 'kc-api-timestamp')
  const passphrase = header(headers, 'kc-api-passphrase')
  if (apiKey === undefined || sign === undefined || timestamp === undefined || passphrase === undefined) throw new SimError('400001')
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(Number(timestamp) - now) >= policy.windowMs) throw new SimError('400002')
  const entry = ring.get(apiKey)
  if (entry === undefined) throw new SimError('400003')
  if (passphrase !== entry.passphrase) throw new SimError('400004')
  if (!signatureValid({ ...request, timestamp, sign }, entry.key.secret, policy.querySigning === 'decoded-or-raw')) throw new SimError('400005')
  const needed = endpoint.permission === null || endpoint.permission === 'General' ? ['General'] : ['General', endpoint.permission]
  if (!needed.every(p => entry.key.permissions.includes(p))) throw new SimError('400007')
  if ((header(headers, 'kc-api-key-version') ?? '1') !== String(entry.key.version)) throw new SimError('400009')
  return entry.key
}

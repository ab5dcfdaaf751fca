// What each client gets of a KuCoin success: KuCoin's bytes as sent when the
// client accepts their coding (nothing decoded or re-encoded), else the
// decoded body, else the body re-encoded in a coding the client asked for.
// Never encoded twice, and a streamed body stays streamed.
import Negotiator from 'negotiator'
import type { Readable } from 'node:stream'
import { CODINGS, recode, type Coding } from './content-encoding.js'
import type { EnvelopeResponse } from './envelope.js'

const OFFERED = [...CODINGS, 'identity']

/**
 * The coding to answer in. No Accept-Encoding means identity (what curl and
 * most SDKs expect without asking); otherwise KuCoin's own coding when
 * acceptable (free), then identity, then the client's favourite. When the
 * client refuses everything, identity anyway (RFC 9110 §12.5.3 allows it).
 */
export function chooseCoding (acceptEncoding: string | undefined, upstream: Coding): Coding {
  if (acceptEncoding === undefined || acceptEncoding.trim() === '') return 'identity'
  const acceptable = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings(OFFERED) as Coding[]
  if (acceptable.includes(upstream)) return upstream
  if (acceptable.includes('identity')) return 'identity'
  return acceptable[0] ?? 'identity'
}

export interface ClientBody {
  body: Buffer | Readable
  /** Response headers for this coding (Content-Encoding, Vary). */
  headers: Record<string, string>
}

/** The body and headers for a client that sent `acceptEncoding`. */
export function bodyForClient (acceptEncoding: string | undefined, res: EnvelopeResponse): ClientBody {
  const coding = chooseCoding(acceptEncoding, res.coding)
  // The answer depends on Accept-Encoding whenever KuCoin may compress, so caches must key on it.
  const headers: Record<string, string> = { vary: 'accept-encoding' }
  if (coding !== 'identity') headers['content-encoding'] = coding
  if (coding === res.coding) return { body: res.body, headers }
  if (coding === 'identity' && res.decoded) return { body: res.decoded, headers }
  return { body: recode(res.decoded ?? res.body, res.decoded ? 'identity' : res.coding, coding), headers }
}

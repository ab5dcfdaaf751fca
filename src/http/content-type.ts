// Writes carry JSON (DESIGN §1.5). A browser can send text/plain, form or
// multipart bodies cross-site without a CORS preflight; KuCoin only takes
// JSON. So a write with a body (or a declared type) must say application/json,
// and the gateway never invents a type for a write. A body-less write (an
// SDK's DELETE or bullet POST) may declare nothing. Routes that take other
// types list them in `config.bodyTypes` (GraphQL takes application/graphql).
import type { IncomingHttpHeaders } from 'node:http'

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
export const JSON_ONLY: readonly string[] = ['application/json']

/** The media type without parameters, lower case. */
export function mediaType (contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase()
}

function hasBody (headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true
  const length = headers['content-length']
  return length !== undefined && length !== '0'
}

/** Why a write's content type is refused (415), or undefined to let it pass. */
export function contentTypeRefusal (method: string, headers: IncomingHttpHeaders, accepted: readonly string[] = JSON_ONLY): string | undefined {
  if (!WRITES.has(method)) return undefined
  const declared = headers['content-type']
  if (declared === undefined) {
    return hasBody(headers) ? `a ${method} with a body needs Content-Type: ${accepted.join(' or ')} (none was sent)` : undefined
  }
  const type = mediaType(declared)
  return accepted.includes(type) ? undefined : `a ${method} needs Content-Type: ${accepted.join(' or ')} (got ${type || 'an empty type'})`
}

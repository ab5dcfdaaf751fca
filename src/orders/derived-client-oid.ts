// The clientOid the gateway sends KuCoin for a placement whose caller gave
// none: a pure function of (caller, key), so the same key finds the same
// order again, also after a restart or on another replica. KuCoin allows at
// most 40 characters of [A-Za-z0-9_-]; base64url is exactly that alphabet.
import { createHash } from 'node:crypto'

/** An Idempotency-Key: 1–64 characters of [A-Za-z0-9_.:-]. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,64}$/

/** KuCoin's clientOid alphabet and length. */
export const CLIENT_OID = /^[A-Za-z0-9_-]{1,40}$/

/** `k` + base64url(sha256(caller + "\n" + key)), cut to 40 characters. */
export function deriveClientOid (caller: string, key: string): string {
  const digest = createHash('sha256').update(`${caller}\n${key}`).digest('base64url')
  return ('k' + digest).slice(0, 40)
}

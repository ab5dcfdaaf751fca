// Exponential backoff with "equal jitter": attempt n waits between half and
// all of min(max, initial × 2^n). Half is guaranteed, so failures space out
// (no hot loop burning KuCoin's 30 connects a minute); the random half keeps
// many connections that failed together from retrying together.
// Three lines, so no library: the retry libraries on npm own the retry loop
// and its timers, and here the state machine owns them and needs a number.
export interface BackoffPolicy {
  backoffInitialMs: number
  backoffMaxMs: number
}

export function backoffMs (policy: BackoffPolicy, attempt: number, random: () => number): number {
  const base = Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** Math.min(attempt, 30))
  return Math.round(base / 2 + random() * base / 2)
}

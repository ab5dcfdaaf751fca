// What one client's list of publish numbers (in arrival order) says about the
// path that delivered them: what arrived, what never did, what came twice and
// what came after a later number.

export interface SequenceStats {
  /** Every arrival, duplicates included. */
  received: number
  /** Numbers in [first, last] that never arrived. */
  lost: number
  /** Arrivals of a number already seen. */
  duplicated: number
  /** First arrivals of a number lower than one already seen. */
  reordered: number
}

export function sequenceStats (arrivals: readonly number[], first: number, last: number): SequenceStats {
  const seen = new Set<number>()
  let duplicated = 0
  let reordered = 0
  let highest = -Infinity
  for (const n of arrivals) {
    if (seen.has(n)) { duplicated++; continue }
    seen.add(n)
    if (n < highest) reordered++
    else highest = n
  }
  let inRange = 0
  for (const n of seen) if (n >= first && n <= last) inRange++
  return { received: arrivals.length, lost: last - first + 1 - inRange, duplicated, reordered }
}

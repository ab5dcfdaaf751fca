// What one upstream socket has asked KuCoin and not yet heard back about:
// subscribe frame id → the single-symbol topics in that frame. KuCoin answers
// a whole frame: an ack for every topic in it, or one error for all of them.
// So a refused frame with several topics is split in two and both halves are
// asked again (bisection), until the refusal names exactly the bad topics and
// every valid one is acked. Pure: the caller sends frames and keeps the clock.
export type Answer =
  /** Every topic of the frame is subscribed. */
  | { kind: 'acked', topics: string[] }
  /** The frame was refused; these halves should be asked again, each in its own frame. */
  | { kind: 'split', halves: string[][] }
  /** A single-topic frame was refused: that topic is refused. */
  | { kind: 'refused', topic: string }

export class SubscribeLedger {
  private readonly pending = new Map<string, { topics: string[], sentAt: number }>()

  /** Records a subscribe frame sent with `id` for `topics` (single-symbol). */
  sent (id: string, topics: string[], now: number): void {
    this.pending.set(id, { topics, sentAt: now })
  }

  /** Reads KuCoin's answer to frame `id`; undefined when the id is not one of ours (or answered already). */
  answer (id: string, ok: boolean): Answer | undefined {
    const entry = this.pending.get(id)
    if (!entry) return undefined
    this.pending.delete(id)
    if (ok) return { kind: 'acked', topics: entry.topics }
    if (entry.topics.length === 1) return { kind: 'refused', topic: entry.topics[0]! }
    const middle = Math.ceil(entry.topics.length / 2)
    return { kind: 'split', halves: [entry.topics.slice(0, middle), entry.topics.slice(middle)] }
  }

  /** The oldest unanswered frame's age, or 0: KuCoin always answers `response: true`, so a long silence means a sick socket. */
  oldestAgeMs (now: number): number {
    let oldest = now
    for (const { sentAt } of this.pending.values()) if (sentAt < oldest) oldest = sentAt
    return now - oldest
  }

  get size (): number {
    return this.pending.size
  }
}

/** The single-symbol topics of one subscribe topic (`/market/ticker:A,B` → both); symbols never contain commas. */
export function frameTopics (topic: string): string[] {
  const colon = topic.indexOf(':')
  if (colon === -1 || !topic.includes(',', colon)) return [topic]
  const prefix = topic.slice(0, colon + 1)
  return topic.slice(colon + 1).split(',').map(symbol => prefix + symbol)
}

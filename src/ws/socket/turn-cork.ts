// Sockets written to in this turn of the event loop, corked: one upstream
// read (several KuCoin frames), one books delta or one GraphQL event reaching
// a client as several frames costs it one write syscall, not one per frame.
// Uncorked together once the turn's synchronous work is done. Used by every
// path that writes pre-framed bytes to a client's TCP socket (/spot/ws
// fan-out, GraphQL subscription results).
import type { Writable } from 'node:stream'

const corked: Writable[] = []

function uncorkAll (): void {
  // Taken first: a socket corked while these are flushed goes on a new list, with its own uncork.
  for (const raw of corked.splice(0)) raw.uncork()
}

/** Corks `raw` until the end of this turn (a no-op if it is corked already). */
export function corkForThisTurn (raw: Writable): void {
  if (raw.writableCorked > 0) return
  raw.cork()
  if (corked.push(raw) === 1) process.nextTick(uncorkAll)
}

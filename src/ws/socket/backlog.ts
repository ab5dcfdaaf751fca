// How far behind a client's socket is, as the slow-consumer rules see it.
import type { Writable } from 'node:stream'
import type { WebSocket } from 'ws'

/**
 * Bytes queued on a ws socket that its TCP socket will announce with 'drain'.
 * Node emits 'drain' only after a write has found the buffer at its high-water
 * mark (16 KiB); bytes queued below it leave with no event. Counted, they would
 * hold frames back (KGW_WS_SOFT_LIMIT_BYTES may be as low as 1 KiB) until some
 * later frame, perhaps never; they are not backpressure anyway.
 */
export function backlog (socket: WebSocket, raw: Writable | undefined): number {
  return raw === undefined || raw.writableNeedDrain ? socket.bufferedAmount : 0
}

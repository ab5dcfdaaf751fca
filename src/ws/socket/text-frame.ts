// A server-to-client WebSocket text frame built by hand, for the paths that
// write pre-framed bytes straight to the TCP socket (/spot/ws fan-out,
// GraphQL subscription results): server frames are never masked.

/** An unmasked, final text frame (RFC 6455 §5.2) with its header written; the caller fills the last `length` bytes. */
export function allocTextFrame (length: number): Buffer {
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(header + length)
  frame[0] = 0x81 // FIN + text
  if (header === 2) {
    frame[1] = length
  } else if (header === 4) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeUInt32BE(0, 2)
    frame.writeUInt32BE(length, 6)
  }
  return frame
}

// Requests that never became requests: headers that did not arrive within
// KGW_HEADERS_TIMEOUT_MS (slowloris), or bytes that are not HTTP. Node hands
// those sockets here; they get a problem like every other refusal, then close.
import type { Socket } from 'node:net'
import { rawProblem } from './connections.js'

interface ConnectionError extends Error { code?: string }

export function clientErrorHandler (error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (socket.writable) {
    socket.write(error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? rawProblem('request-timeout', 'the request headers did not arrive within KGW_HEADERS_TIMEOUT_MS')
      : rawProblem('bad-request', error.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : 'the bytes sent are not a valid HTTP request'))
  }
  socket.destroy()
}

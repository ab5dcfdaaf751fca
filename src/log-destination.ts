// Where log lines go when stdout is a pipe or socket (a container runtime, a
// supervisor, `| jq`). pino's default writes to it synchronously: a reader
// that stops reading blocks the whole process, shutdown deadline included, and
// an asynchronous write on a blocking pipe holds a thread that exit then
// waits for. So lines are written through a non-blocking socket instead,
// buffered up to a bound (beyond it they are dropped and counted), and the
// first write error (EPIPE: the reader is gone) ends logging for good.
// Files and terminals keep pino's own destination.
import { fstatSync } from 'node:fs'
import { Socket } from 'node:net'

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024

export interface LogDestination {
  write: (line: string) => void
  /** Lines dropped because the reader fell behind or went away. */
  readonly dropped: number
  /** Resolves when the buffered lines are written, or after `timeoutMs`, whichever is first. */
  flush: (timeoutMs: number) => Promise<void>
}

/** A non-blocking destination on `fd` when it is a pipe or socket; undefined for files and terminals. */
export function logDestination (fd = 1, maxBufferedBytes = MAX_BUFFERED_BYTES): LogDestination | undefined {
  let stat
  try {
    stat = fstatSync(fd)
  } catch {
    return undefined
  }
  if (!stat.isFIFO() && !stat.isSocket()) return undefined
  const socket = new Socket({ fd, readable: false, writable: true })
  let dropped = 0
  let broken = false
  socket.on('error', () => {
    broken = true
    socket.destroy()
  })
  return {
    write (line) {
      if (broken || socket.writableLength > maxBufferedBytes) dropped++
      else socket.write(line)
    },
    get dropped () { return dropped },
    flush (timeoutMs) {
      if (broken || socket.writableLength === 0) return Promise.resolve()
      return new Promise(resolve => {
        const timer = setTimeout(resolve, timeoutMs)
        timer.unref()
        socket.once('drain', () => { clearTimeout(timer); resolve() })
        socket.once('close', () => { clearTimeout(timer); resolve() })
      })
    }
  }
}

// The life of one logical KuCoin connection as a pure state machine: events
// in (a socket welcomed, failed or lost, a timer fired), commands out (open,
// adopt, close a socket, schedule a timer, report a drop). No I/O and no
// clock here, so every race the I/O shell (../upstream-connection.ts) can
// meet is a plain unit test.
//
// A logical connection holds at most three sockets: `current` (serves the
// topics), `pending` (being opened: a first connect, a reconnect, or a
// renewal's new socket) and `draining` (the previous socket during a renewal's
// make-before-break overlap). There is exactly one `pending` at a time, so
// there is only ever one reconnect or renewal chain.
import { backoffMs, type BackoffPolicy } from './backoff.js'

export type Phase = 'connecting' | 'open' | 'backoff' | 'closed'
export type TimerName = 'reconnect' | 'renew' | 'overlap'

export interface MachineConfig extends BackoffPolicy {
  /** Renew this long after adopting a socket (KuCoin drops connections after 24 h). */
  renewAfterMs: number
}

export type MachineEvent =
  | { type: 'start' }
  | { type: 'welcomed', socket: number, overlapMs: number }
  /** A socket that never became current failed: bullet, connect, welcome, or KuCoin refused it. */
  | { type: 'failed', socket: number, reason: string }
  /** An adopted socket (current or draining) closed, errored or stopped answering. */
  | { type: 'lost', socket: number, reason: string }
  | { type: 'timer', name: TimerName }
  | { type: 'close' }

export type Command =
  | { type: 'open', socket: number, purpose: 'connect' | 'renew' }
  /** Make `socket` current: subscribe every topic on it. `renewal`: the previous current keeps delivering until the overlap ends. */
  | { type: 'adopt', socket: number, reconnect: boolean, renewal: boolean }
  /** The draining socket becomes current again (its replacement died in the overlap). */
  | { type: 'reinstate', socket: number }
  | { type: 'close', socket: number }
  | { type: 'schedule', name: TimerName, ms: number }
  | { type: 'cancel', name: TimerName }
  | { type: 'down', reason: string }

export interface MachineState {
  phase: Phase
  current: number | undefined
  pending: { socket: number, purpose: 'connect' | 'renew' } | undefined
  draining: number | undefined
  nextSocket: number
  /** Failed connects since the last adopted socket; drives the reconnect backoff. */
  reconnectAttempt: number
  /** Failed renewals since the last adopted socket; drives the renewal backoff. */
  renewAttempt: number
  hasBeenUp: boolean
}

export function initialState (): MachineState {
  return { phase: 'connecting', current: undefined, pending: undefined, draining: undefined, nextSocket: 1, reconnectAttempt: 0, renewAttempt: 0, hasBeenUp: false }
}

export class UpstreamMachine {
  readonly state = initialState()

  constructor (private readonly config: MachineConfig, private readonly random: () => number = Math.random) {}

  handle (event: MachineEvent): Command[] {
    if (this.state.phase === 'closed') return event.type === 'welcomed' ? [{ type: 'close', socket: event.socket }] : []
    switch (event.type) {
      case 'start': return this.open('connect')
      case 'welcomed': return this.welcomed(event.socket, event.overlapMs)
      case 'failed': return this.failed(event.socket, event.reason)
      case 'lost': return this.lost(event.socket, event.reason)
      case 'timer': return this.timer(event.name)
      case 'close': return this.close()
    }
  }

  private open (purpose: 'connect' | 'renew'): Command[] {
    const s = this.state
    if (s.pending) return [] // one chain only: a socket is already being opened
    const socket = s.nextSocket++
    s.pending = { socket, purpose }
    if (purpose === 'connect') s.phase = 'connecting'
    return [{ type: 'open', socket, purpose }]
  }

  private welcomed (socket: number, overlapMs: number): Command[] {
    const s = this.state
    if (s.pending?.socket !== socket) return [{ type: 'close', socket }] // a socket nobody waits for any more
    const renewal = s.pending.purpose === 'renew' && s.current !== undefined
    const out: Command[] = [{ type: 'cancel', name: 'reconnect' }, { type: 'cancel', name: 'renew' }]
    if (renewal) {
      // A renewal inside the previous overlap: the oldest socket goes now.
      if (s.draining !== undefined) out.push({ type: 'close', socket: s.draining })
      s.draining = s.current
      out.push({ type: 'schedule', name: 'overlap', ms: overlapMs })
    }
    const reconnect = !renewal && s.hasBeenUp
    s.current = socket
    s.pending = undefined
    s.phase = 'open'
    s.hasBeenUp = true
    s.reconnectAttempt = 0
    s.renewAttempt = 0
    out.push({ type: 'adopt', socket, reconnect, renewal }, { type: 'schedule', name: 'renew', ms: this.config.renewAfterMs })
    return out
  }

  private failed (socket: number, reason: string): Command[] {
    const s = this.state
    const out: Command[] = [{ type: 'close', socket }]
    if (s.pending?.socket !== socket) return out
    s.pending = undefined
    if (s.current !== undefined) {
      // A failed renewal: the current socket still works; try again later, backing off.
      out.push({ type: 'schedule', name: 'renew', ms: backoffMs(this.config, s.renewAttempt++, this.random) })
      return out
    }
    // The first connect failing is an outage too: whoever waits for these topics hears of it once, as of a drop.
    if (!s.hasBeenUp && s.reconnectAttempt === 0) out.push({ type: 'down', reason })
    return [...out, ...this.backoff(reason)]
  }

  private lost (socket: number, reason: string): Command[] {
    const s = this.state
    if (socket === s.draining) {
      s.draining = undefined
      return [{ type: 'close', socket }, { type: 'cancel', name: 'overlap' }]
    }
    if (socket !== s.current) return [{ type: 'close', socket }]
    s.current = undefined
    const out: Command[] = [{ type: 'close', socket }, { type: 'cancel', name: 'renew' }]
    if (s.draining !== undefined) {
      // The new socket died inside the overlap: the old one still serves every
      // topic, so it is current again, and its renewal is retried with backoff.
      s.current = s.draining
      s.draining = undefined
      out.push({ type: 'cancel', name: 'overlap' }, { type: 'reinstate', socket: s.current })
      out.push({ type: 'schedule', name: 'renew', ms: backoffMs(this.config, s.renewAttempt++, this.random) })
      return out
    }
    out.push({ type: 'down', reason })
    if (s.pending) {
      // A renewal was already opening a socket: it becomes the reconnect, so no second chain starts.
      s.pending.purpose = 'connect'
      s.phase = 'connecting'
      return out
    }
    return [...out, ...this.backoff(reason)]
  }

  private backoff (_reason: string): Command[] {
    const s = this.state
    s.phase = 'backoff'
    return [{ type: 'schedule', name: 'reconnect', ms: backoffMs(this.config, s.reconnectAttempt++, this.random) }]
  }

  private timer (name: TimerName): Command[] {
    const s = this.state
    if (name === 'reconnect') return s.current === undefined ? this.open('connect') : []
    if (name === 'renew') return s.current !== undefined ? this.open('renew') : []
    if (s.draining === undefined) return []
    const draining = s.draining
    s.draining = undefined
    return [{ type: 'close', socket: draining }]
  }

  private close (): Command[] {
    const s = this.state
    const sockets = [s.current, s.pending?.socket, s.draining].filter((x): x is number => x !== undefined)
    s.phase = 'closed'
    s.current = s.pending = s.draining = undefined
    return [
      ...(['reconnect', 'renew', 'overlap'] as const).map(name => ({ type: 'cancel', name }) as Command),
      ...sockets.map(socket => ({ type: 'close', socket }) as Command)
    ]
  }
}

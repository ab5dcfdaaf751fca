// One graphql-ws socket on /graphql: the protocol's state machine (init with
// the caller's token, acknowledged subscribe/complete, ping/pong, the close
// codes) and its subscriptions, each a member of a group (group.ts). What is
// refused is refused for this subscriber alone: an `error` message for its
// id, or, for a protocol violation of graphql-transport-ws, the close code
// the protocol names.
import type { Writable } from 'node:stream'
import { GraphQLError, type GraphQLFormattedError } from 'graphql'
import { WebSocket } from 'ws'
import { backlog } from '../../ws/socket/backlog.js'
import { allocTextFrame } from '../../ws/socket/text-frame.js'
import { corkForThisTurn } from '../../ws/socket/turn-cork.js'
import { acceptConnection, type AccessOptions, type GraphQLContext } from '../context.js'
import type { StreamStats } from '../hub-stream.js'
import type { Groups } from './group.js'
import type { Operations, PreparedOperation } from './operation.js'
import { Outlet, type Sink, type Subscriber } from './outlet.js'
import {
  CLOSE, LEGACY_WS, isInvalid, parseClientMessage, resultPrefix, serverMessage, type ClientMessage, type Dialect, type InvalidMessage
} from './protocol.js'

export interface LiveLimits {
  softLimitBytes: number
  hardLimitBytes: number
  /** Most active subscriptions per socket. */
  maxSubscriptions: number
  /** How long a socket may wait before connection_init. */
  initTimeoutMs: number
}

export interface LiveDeps {
  groups: Groups
  operations: Operations
  access: AccessOptions
  limits: LiveLimits
  stats: StreamStats
  /** Formats errors found before a subscription started (parse, validation, variables, limits). */
  format: (errors: readonly GraphQLError[]) => GraphQLFormattedError[]
  count: (errors: readonly GraphQLFormattedError[] | undefined) => void
}

const OPEN = WebSocket.OPEN
const CLOSING_BRACE = 0x7d

/**
 * Results go to the TCP socket under ws as whole pre-built frames, the same
 * way /spot/ws writes (permessage-deflate is off, app.ts, so ws's own sender
 * never queues and both paths keep call order), corked for the rest of the
 * turn like /spot/ws's: a socket's results of one turn leave in one write
 * syscall, after the fan-out loop (measured on the same quiet machine, CPU per
 * delivery against /spot/ws at 200 subscribers x 50 msgs/s: 1.34x without,
 * 1.06-1.28x with; docs/benchmarks.md).
 */
export function sinkOf (socket: WebSocket): Sink {
  const raw = (socket as unknown as { _socket?: Writable })._socket
  return {
    get bufferedAmount () { return backlog(socket, raw) },
    writeResult: (prefix, payload) => {
      if (socket.readyState !== OPEN) return
      if (raw !== undefined) {
        corkForThisTurn(raw)
        raw.write(textFrame(prefix, payload))
      } else socket.send(Buffer.concat([prefix, payload, Buffer.from('}')]), { binary: false })
    },
    onDrain: listener => { raw?.on('drain', listener) }
  }
}

/** The text frame of `prefix + payload + "}"`, in one buffer. */
export function textFrame (prefix: Buffer, payload: Buffer): Buffer {
  const frame = allocTextFrame(prefix.length + payload.length + 1)
  const start = frame.length - payload.length - prefix.length - 1
  prefix.copy(frame, start)
  payload.copy(frame, start + prefix.length)
  frame[frame.length - 1] = CLOSING_BRACE
  return frame
}

export class LiveConnection {
  private readonly subscriptions = new Map<string, Subscriber>()
  private readonly outlet: Outlet
  private readonly legacy: boolean
  private context: GraphQLContext | undefined
  private initialised = false
  private initTimer: NodeJS.Timeout | undefined

  constructor (private readonly socket: WebSocket, private readonly dialect: Dialect, private readonly deps: LiveDeps) {
    this.legacy = dialect.name === LEGACY_WS
    this.outlet = new Outlet(sinkOf(socket), deps.limits, deps.stats, { end: (subscriber, errors) => this.ended(subscriber, errors) })
    socket.on('message', (data: Buffer) => this.onMessage(data))
    socket.on('close', () => this.closed())
    this.initTimer = setTimeout(() => this.refuse(CLOSE.initTimeout, 'Connection initialisation timeout'), deps.limits.initTimeoutMs)
    this.initTimer.unref()
  }

  private onMessage (data: Buffer): void {
    const message = parseClientMessage(this.dialect, data)
    if (isInvalid(message)) {
      this.invalid(message)
      return
    }
    switch (message.type) {
      case 'init': this.init(message.payload); break
      case 'subscribe': this.subscribe(message); break
      case 'stop': this.stop(message.id); break
      case 'ping': this.send(serverMessage('pong', undefined, isObject(message.payload) ? message.payload : undefined)); break
      case 'pong': break
      case 'terminate': this.socket.close(1000, 'terminated'); break
    }
  }

  private init (payload: unknown): void {
    if (this.initialised && !this.legacy) {
      this.refuse(CLOSE.tooManyInits, 'Too many initialisation requests')
      return
    }
    this.initialised = true
    clearTimeout(this.initTimer)
    const accepted = acceptConnection(payload, this.deps.access)
    if (!accepted) {
      this.refuse(CLOSE.forbidden, 'Forbidden')
      return
    }
    this.context = accepted
    this.send(serverMessage('connection_ack'))
  }

  private subscribe ({ id, request }: Extract<ClientMessage, { type: 'subscribe' }>): void {
    if (this.context === undefined) {
      this.refuse(CLOSE.unauthorized, 'Unauthorized')
      return
    }
    if (this.subscriptions.has(id)) {
      if (this.legacy) this.sendErrors(id, [{ message: `a subscription with id ${id} is already active` }])
      else this.refuse(CLOSE.subscriberExists, `Subscriber for ${id} already exists`)
      return
    }
    if (this.subscriptions.size >= this.deps.limits.maxSubscriptions) {
      this.refused(id, this.deps.format([limitError(this.deps.limits.maxSubscriptions)]))
      return
    }
    const prepared = this.deps.operations.prepare(request, this.context.access.caller)
    if (isErrors(prepared)) {
      this.refused(id, this.deps.format(prepared))
      return
    }
    const subscriber: Subscriber = { id, prefix: resultPrefix(this.dialect, id), outlet: this.outlet, pending: undefined, group: undefined }
    this.subscriptions.set(id, subscriber)
    this.deps.groups.join(prepared, this.context, subscriber)
  }

  /** The client completed (stopped) a subscription; an unknown id is ignored, as the protocol allows. */
  private stop (id: string): void {
    const subscriber = this.subscriptions.get(id)
    if (subscriber === undefined) return
    this.subscriptions.delete(id)
    subscriber.group?.remove(subscriber)
    this.outlet.forget(subscriber)
  }

  /** The server ended a subscription: its group ended, or it fell behind. */
  private ended (subscriber: Subscriber, errors: Buffer | undefined): void {
    if (this.subscriptions.get(subscriber.id) !== subscriber) return
    this.stop(subscriber.id)
    if (errors === undefined) this.send(serverMessage('complete', subscriber.id))
    else this.send(Buffer.concat([Buffer.from(`{"id":${JSON.stringify(subscriber.id)},"type":"error","payload":`), errors, Buffer.from('}')]))
  }

  private refused (id: string, errors: GraphQLFormattedError[]): void {
    this.deps.count(errors)
    this.sendErrors(id, errors)
  }

  private sendErrors (id: string | undefined, errors: readonly GraphQLFormattedError[]): void {
    this.send(serverMessage('error', id, errors))
  }

  private invalid ({ invalid, id }: InvalidMessage): void {
    if (this.legacy) this.sendErrors(id, [{ message: invalid }])
    else this.refuse(CLOSE.badRequest, invalid)
  }

  /**
   * graphql-transport-ws ends a refused socket with the protocol's close code;
   * the legacy protocol first says why in `connection_error`.
   */
  private refuse (code: number, reason: string): void {
    if (this.legacy) this.send(serverMessage('connection_error', undefined, { message: reason }))
    this.socket.close(code, reason.slice(0, 120))
  }

  private send (message: string | Buffer): void {
    if (this.socket.readyState === OPEN) this.socket.send(message, { binary: false })
  }

  private closed (): void {
    clearTimeout(this.initTimer)
    for (const subscriber of this.subscriptions.values()) {
      subscriber.group?.remove(subscriber)
      this.outlet.forget(subscriber)
    }
    this.subscriptions.clear()
  }
}

const isErrors = (prepared: PreparedOperation | readonly GraphQLError[]): prepared is readonly GraphQLError[] => Array.isArray(prepared)
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const limitError = (max: number): GraphQLError => new GraphQLError(`at most ${max} subscriptions per connection (KGW_WS_MAX_TOPICS_PER_CLIENT)`)

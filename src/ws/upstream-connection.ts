// One logical KuCoin WebSocket connection: the I/O shell around the pure
// state machine in ./upstream/machine.ts. It runs the machine's commands
// (fetch a bullet token and open a socket, adopt it and subscribe every
// topic, close a socket, arm a timer) and feeds it what sockets report.
// Subscribe answers are read per frame (./upstream/ledger.ts): a topic is
// reported acked only when KuCoin acked it, and a refused frame is split
// until only the bad topics are refused — at first subscribe, after every
// reconnect and after every renewal alike.
import { messageTopic } from './protocol.js'
import { frameTopics } from './upstream/ledger.js'
import { UpstreamMachine, type Command, type MachineEvent, type Phase, type TimerName } from './upstream/machine.js'
import { OverlapFilter } from './upstream/overlap.js'
import { UpstreamSocket, type SocketLimits } from './upstream/socket.js'

export interface BulletToken {
  token: string
  endpoint: string
  pingIntervalMs: number
  pingTimeoutMs: number
}

export interface ConnectionLimits extends SocketLimits {
  maxSymbolsPerFrame: number
  /** Renew this long after connecting (KuCoin drops connections after 24 h). */
  renewAfterMs: number
  /** Longest make-before-break overlap (also at most one ping interval). */
  overlapMs: number
  backoffInitialMs: number
  backoffMaxMs: number
}

export interface ConnectionHooks {
  fetchToken: () => Promise<BulletToken>
  /** Waits until one more new connection is allowed (KuCoin: 30 per minute). */
  connectSlot: () => Promise<void>
  /** Batches single-symbol topics into subscribe topics. */
  batch: (topics: string[]) => string[]
  onMessage: (topic: string, frame: Buffer) => void
  onDown: (topics: string[], reason: string) => void
  onUp: (topics: string[], event: { reconnect: boolean, renewal: boolean }) => void
  /** KuCoin acked a (re)subscribe of this topic; fires again after each reconnect and renewal. */
  onTopicAck: (topic: string) => void
  /** KuCoin refused this single topic (after splitting its frame); the connection has dropped it. */
  onTopicRefused: (topic: string, code: number, message: string) => void
  log: { info: (o: object, m: string) => void, warn: (o: object, m: string) => void }
}

export type ConnectionState = Phase

interface ControlFrame { type?: string, id?: string | number, code?: number, data?: unknown }

export class Connection {
  readonly topics = new Set<string>()
  reconnects = 0
  renewals = 0
  private readonly machine: UpstreamMachine
  private readonly sockets = new Map<number, UpstreamSocket>()
  private readonly timers = new Map<TimerName, NodeJS.Timeout>()
  private overlap: { filter: OverlapFilter, clear: NodeJS.Timeout | undefined } | undefined
  private token: BulletToken | undefined
  /** The overlap's time is up but the new socket still waits for subscribe answers. */
  private overlapDue = false
  private nextId = 1

  constructor (private readonly limits: ConnectionLimits, private readonly hooks: ConnectionHooks, private readonly privateChannel: boolean, random?: () => number) {
    this.machine = new UpstreamMachine(limits, random)
  }

  get state (): ConnectionState {
    return this.machine.state.phase
  }

  start (): void {
    this.dispatch({ type: 'start' })
  }

  subscribe (topics: string[]): void {
    for (const t of topics) this.topics.add(t)
    const socket = this.current()
    if (socket) this.sendSubscribes(socket, topics)
  }

  unsubscribe (topics: string[]): void {
    for (const t of topics) this.topics.delete(t)
    const socket = this.current()
    if (!socket) return
    for (const topic of this.hooks.batch(topics)) this.sendUnsubscribe(socket, topic)
  }

  private sendUnsubscribe (socket: UpstreamSocket, topic: string): void {
    for (const t of frameTopics(topic)) socket.asked.delete(t)
    socket.send(JSON.stringify({ id: this.id(), type: 'unsubscribe', topic, privateChannel: this.privateChannel, response: true }))
  }

  close (): void {
    this.dispatch({ type: 'close' })
    this.endOverlap()
  }

  private current (): UpstreamSocket | undefined {
    const id = this.machine.state.current
    return id === undefined ? undefined : this.sockets.get(id)
  }

  private id (): string {
    return String(this.nextId++)
  }

  private dispatch (event: MachineEvent): void {
    for (const command of this.machine.handle(event)) this.run(command)
  }

  private run (command: Command): void {
    switch (command.type) {
      case 'open': this.open(command.socket).catch(() => {}); break
      case 'adopt': this.adopt(command.socket, command.reconnect, command.renewal); break
      case 'reinstate': this.reinstate(command.socket); break
      case 'close': this.closeSocket(command.socket); break
      case 'schedule': this.schedule(command.name, command.ms); break
      case 'cancel': this.cancel(command.name); break
      case 'down':
        this.hooks.log.warn({ reason: command.reason }, 'upstream connection down; reconnecting')
        this.hooks.onDown([...this.topics], command.reason)
        break
    }
  }

  /** A fresh bullet token per socket (KuCoin: the endpoint may change), then the socket. */
  private async open (id: number): Promise<void> {
    let token: BulletToken
    try {
      await this.hooks.connectSlot()
      if (this.machine.state.pending?.socket !== id) return
      token = await this.hooks.fetchToken()
    } catch (error) {
      this.failed(id, `bullet failed: ${(error as Error).message ?? String(error)}`)
      return
    }
    if (this.machine.state.pending?.socket !== id) return
    const connectId = `kgw-${Date.now()}-${id}`
    const url = `${token.endpoint}${token.endpoint.includes('?') ? '&' : '?'}token=${encodeURIComponent(token.token)}&connectId=${connectId}`
    let socket: UpstreamSocket
    try {
      socket = this.socketFor(id, url, token)
    } catch (error) { // a malformed endpoint in the bullet answer
      this.failed(id, `connect failed: ${(error as Error).message}`)
      return
    }
    this.sockets.set(id, socket)
  }

  private socketFor (id: number, url: string, token: BulletToken): UpstreamSocket {
    return new UpstreamSocket(id, url, this.limits, {
      welcomed: () => {
        this.token = token
        this.dispatch({ type: 'welcomed', socket: id, overlapMs: Math.min(this.limits.overlapMs, token.pingIntervalMs) })
      },
      ended: reason => {
        const adopted = this.machine.state.current === id || this.machine.state.draining === id
        if (adopted) this.dispatch({ type: 'lost', socket: id, reason })
        else this.failed(id, reason)
      },
      frame: data => this.onFrame(id, data)
    })
  }

  private failed (id: number, reason: string): void {
    // A renewal's socket failing while the current one serves costs nothing; otherwise topics wait.
    const renewal = this.machine.state.current !== undefined
    this.hooks.log.warn({ reason, renewal }, renewal ? 'upstream renewal failed; keeping the current connection' : 'upstream connect failed')
    this.dispatch({ type: 'failed', socket: id, reason })
  }

  private adopt (id: number, reconnect: boolean, renewal: boolean): void {
    const socket = this.sockets.get(id)!
    const token = this.token!
    socket.heartbeat(token.pingIntervalMs, token.pingTimeoutMs, () => this.id())
    if (renewal) {
      this.renewals++
      this.endOverlap()
      this.overlap = { filter: new OverlapFilter(this.machine.state.draining!, id), clear: undefined }
    }
    if (reconnect) this.reconnects++
    this.sendSubscribes(socket, [...this.topics])
    this.hooks.onUp([...this.topics], { reconnect, renewal })
  }

  /** The renewal's new socket died in the overlap: the old one serves alone again and gets any topic added meanwhile. */
  private reinstate (id: number): void {
    const socket = this.sockets.get(id)
    if (!socket) return
    const gone = [...socket.asked].filter(t => !this.topics.has(t))
    for (const topic of this.hooks.batch(gone)) this.sendUnsubscribe(socket, topic)
    this.sendSubscribes(socket, [...this.topics].filter(t => !socket.asked.has(t)))
  }

  private sendSubscribes (socket: UpstreamSocket, topics: string[]): void {
    for (const topic of this.hooks.batch(topics)) socket.subscribe(this.id(), topic, frameTopics(topic), this.privateChannel)
  }

  private onFrame (id: number, data: Buffer): void {
    const { current, draining } = this.machine.state
    if (id !== current && id !== draining) return
    const topic = messageTopic(data)
    if (topic !== undefined) {
      if (this.overlap && !this.overlap.filter.pass(id, data)) return
      this.hooks.onMessage(topic, data)
      return
    }
    let frame: ControlFrame
    try { frame = JSON.parse(data.toString()) } catch { return }
    if (frame.type === 'message' && typeof (frame as { topic?: unknown }).topic === 'string') {
      // A message whose topic the fast path could not read (e.g. keys reordered): the same overlap rule applies.
      if (this.overlap && !this.overlap.filter.pass(id, data)) return
      this.hooks.onMessage((frame as { topic: string }).topic, data)
    } else if (frame.type === 'ack' || frame.type === 'error') {
      this.onAnswer(id, frame)
    }
  }

  /** KuCoin's answer to a subscribe: acks, a split and retry, or a refusal of one topic. Only the current socket's answers reach the hooks. */
  private onAnswer (id: number, frame: ControlFrame): void {
    const socket = this.sockets.get(id)
    const answer = socket?.ledger.answer(String(frame.id), frame.type === 'ack')
    if (!answer) {
      if (frame.type === 'error') this.hooks.log.warn({ id: frame.id, code: frame.code, message: frame.data }, 'KuCoin error frame')
      return
    }
    if (id !== this.machine.state.current) {
      // The draining socket: its answers are read (so its ledger stays true) but do not speak for the topics.
      // A topic it did not get is forgotten there, so a reinstated socket asks for it again.
      if (answer.kind === 'split') for (const half of answer.halves) for (const t of half) socket!.asked.delete(t)
      if (answer.kind === 'refused') socket!.asked.delete(answer.topic)
      return
    }
    if (answer.kind === 'acked') {
      for (const topic of answer.topics) if (this.topics.has(topic)) this.hooks.onTopicAck(topic)
    } else if (answer.kind === 'split') {
      for (const half of answer.halves) {
        const wanted = half.filter(t => this.topics.has(t))
        if (wanted.length) this.sendSubscribes(socket!, wanted)
      }
    } else if (this.topics.delete(answer.topic)) {
      this.hooks.onTopicRefused(answer.topic, Number(frame.code ?? 0), String(frame.data ?? 'refused'))
    }
    if (this.overlapDue && socket?.ledger.size === 0) {
      this.overlapDue = false
      this.dispatch({ type: 'timer', name: 'overlap' })
    }
  }

  private closeSocket (id: number): void {
    this.sockets.get(id)?.close()
    this.sockets.delete(id)
    if (this.overlap && this.machine.state.draining === undefined) this.startTail(id)
  }

  /** One of the overlapping sockets is gone: drop the other's late copies for one more overlap, then forget. */
  private startTail (gone: number): void {
    const overlap = this.overlap
    if (!overlap || overlap.clear) return
    overlap.filter.tail(gone)
    overlap.clear = setTimeout(() => { if (this.overlap === overlap) this.overlap = undefined }, this.limits.overlapMs)
    overlap.clear.unref()
  }

  private endOverlap (): void {
    if (this.overlap?.clear) clearTimeout(this.overlap.clear)
    this.overlap = undefined
  }

  private schedule (name: TimerName, ms: number): void {
    this.cancel(name)
    const timer = setTimeout(() => {
      this.timers.delete(name)
      // The overlap ends only once the new socket has its answers: until then the old one may be the only one delivering.
      if (name === 'overlap' && this.current()?.ledger.size) this.overlapDue = true
      else this.dispatch({ type: 'timer', name })
    }, ms)
    timer.unref()
    this.timers.set(name, timer)
  }

  private cancel (name: TimerName): void {
    if (name === 'overlap') this.overlapDue = false
    const timer = this.timers.get(name)
    if (timer) clearTimeout(timer)
    this.timers.delete(name)
  }
}

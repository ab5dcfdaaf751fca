// One upstream slot (a market) in replica mode. Every replica registers the
// topics its clients want; the one holding the slot's lease (the owner)
// subscribes their union at KuCoin through its own pools and publishes what
// the pools report — frames, acks, refusals, drops — onto the slot's bus,
// fenced by its epoch. Every replica, the owner included, reads the bus and
// hands each entry to its own hub exactly as the pools would have when alone,
// so acks stay KuCoin's acks and a refusal reaches the clients that asked.
//
// A new epoch on the bus means a new owner: the topics this replica serves go
// down (clients get `upstream.reconnecting`, books resync) and come back with
// the new owner's acks (`upstream.reconnected`). Entries lost to the Stream's
// cap are a gap: clients are told, books resync.
import type { UpstreamPort } from '../ws/hub.js'
import type { UpstreamEvents } from '../ws/upstream.js'
import { continuity, entryAgeMs, type BusEntry, type EntryKind } from './bus-entry.js'
import type { Publisher } from './bus.js'
import type { SlotKeys, Slot } from './keys.js'
import { Lease } from './lease.js'
import type { RedisClient } from './redis.js'

export interface Log {
  info: (o: object, m: string) => void
  warn: (o: object, m: string) => void
}

export interface SlotSettings {
  leaseTtlMs: number
  leaseRenewMs: number
  streamMaxLen: number
}

export interface SlotDeps {
  slot: Slot
  redis: RedisClient
  /** The lease's own connection: a renewal must never queue behind a backlog of publishes. */
  leaseRedis: RedisClient
  keys: SlotKeys
  replicaId: string
  settings: SlotSettings
  publisher: Publisher
  log: Log
  /** Told of each bus frame's age when read (seconds), for the lag histogram. */
  lag?: (slot: Slot, seconds: number) => void
}

/** What the feed offers: its hub's side (local) and its pools' side (upstream). */
export interface FeedSides {
  local: UpstreamEvents
  upstream: UpstreamPort
}

/** What the feed uses instead: the hub's upstream port, and the pools' events. */
export interface FeedRelay {
  port: UpstreamPort
  events: UpstreamEvents
}

export interface SlotCounters {
  /** Publishes Redis refused because another replica owns the slot now (fencing). */
  rejectedStale: number
  /** Entries read back by XRANGE after this replica lost its bus connection. */
  recovered: number
  /** Offset gaps the Stream could no longer fill (entries trimmed), and entries missed in them. */
  gaps: number
  missed: number
  /** New owners seen on the bus. */
  ownerChanges: number
  /** Owner events delivered locally because Redis could not take them. */
  fallbacks: number
  /** Times this replica took the slot. */
  acquisitions: number
}

export interface SlotStatus {
  owner: boolean
  epoch: string | null
  /** The lease holder as last seen (`<replicaId>/<epoch>`), when another replica holds it. */
  holder: string | null
  wanted: number
  live: number
}

const noop = (): void => {}

/** ioredis refuses a command outright while disconnected (there is no offline queue). */
const notSent = (error: Error): boolean => /enableOfflineQueue|isn't writeable/.test(error.message)

export class SlotReplica {
  readonly counters: SlotCounters = { rejectedStale: 0, recovered: 0, gaps: 0, missed: 0, ownerChanges: 0, fallbacks: 0, acquisitions: 0 }
  private readonly lease: Lease
  private owner = false
  private holder: string | undefined
  /** Owner side: topics subscribed at KuCoin for the union, and those KuCoin acked. */
  private readonly held = new Set<string>()
  private readonly ackedUpstream = new Set<string>()
  /** Replica side: topics this replica's hub wants, those the owner reported live, those owed a `reconnected`. */
  private readonly wants = new Set<string>()
  private readonly live = new Set<string>()
  private readonly resyncing = new Set<string>()
  private last: { epoch: string, offset: number } | undefined
  private sides: FeedSides | undefined
  private wantsDirty = true
  private reconcileQueued: { announce: boolean } | undefined
  private reconciling: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private ticking = false

  constructor (private readonly deps: SlotDeps) {
    this.lease = new Lease(deps.leaseRedis, deps.keys, deps.replicaId, deps.settings.leaseTtlMs)
  }

  /** The feed's relay: called once by the feed with its hub and pool sides. */
  attach (sides: FeedSides): FeedRelay {
    this.sides = sides
    return { port: { subscribe: t => this.want(t), unsubscribe: t => this.unwant(t) }, events: this.ownerEvents() }
  }

  start (): void {
    const loop = (): void => {
      if (this.closed) return
      this.tick().finally(() => {
        if (!this.closed) { this.timer = setTimeout(loop, this.deps.settings.leaseRenewMs); this.timer.unref() }
      })
    }
    loop()
  }

  status (): SlotStatus {
    return { owner: this.owner, epoch: this.owner ? this.lease.epoch ?? null : this.last?.epoch ?? null, holder: this.owner ? null : this.holder ?? null, wanted: this.wants.size, live: this.live.size }
  }

  isOwner (): boolean { return this.owner }

  // ---- ownership -------------------------------------------------------------

  /** Renew (owner) or try to take the slot (others), then keep this replica's wants registered. Throws when Redis does not answer. */
  private async tick (): Promise<void> {
    if (this.ticking) return
    this.ticking = true
    try {
      if (this.owner) {
        if (await this.lease.renew()) this.queueReconcile(false)
        else this.stepDown('lease lost')
      } else await this.tryAcquire()
      await this.registerWants()
    } catch {
      this.wantsDirty = true
      // Redis unreachable: an owner keeps serving (its publishes fall back to local delivery and
      // stay fenced); the next tick tells whether the lease survived.
    } finally { this.ticking = false }
  }

  /** Takes the slot if it is free; a control `released` entry brings a replica here at once. */
  async tryAcquire (): Promise<void> {
    if (this.owner || this.closed) return
    const result = await this.lease.acquire()
    if (!result.acquired) { this.holder = result.holder; return }
    this.owner = true
    this.holder = undefined
    this.counters.acquisitions++
    this.deps.log.info({ slot: this.deps.slot, epoch: result.epoch, replica: this.deps.replicaId }, 'replica took the upstream slot')
    this.publish('E', '', JSON.stringify({ owner: this.deps.replicaId }), noop)
    this.queueReconcile(true)
  }

  private stepDown (reason: string): void {
    if (!this.owner) return
    this.owner = false
    this.lease.drop()
    this.deps.log.warn({ slot: this.deps.slot, reason, replica: this.deps.replicaId }, 'replica gave up the upstream slot')
    const held = [...this.held]
    this.held.clear()
    this.ackedUpstream.clear()
    if (held.length) this.sides?.upstream.unsubscribe(held)
  }

  /** Graceful stop: let the slot go at once and say so, so another replica takes it without waiting for the TTL. */
  async release (): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    const { redis, keys, replicaId } = this.deps
    if (this.owner) {
      // The lease forgets its epoch before the DEL is sent, so nothing is published after it.
      const released = this.lease.release().catch(noop)
      this.stepDown('shutting down')
      await released
      await redis.xadd(keys.control, 'MAXLEN', '~', '1000', '*', 'k', 'R', 'r', replicaId).catch(noop)
    }
    await redis.multi().del(keys.wants(replicaId)).zrem(keys.wanters, replicaId).exec().catch(noop)
  }

  // ---- the owner: subscribe the union, publish what the pools report ---------

  private queueReconcile (announce: boolean): void {
    if (this.reconcileQueued) { this.reconcileQueued.announce ||= announce; return }
    const queued = { announce }
    this.reconcileQueued = queued
    this.reconciling = this.reconciling.then(async () => {
      this.reconcileQueued = undefined
      await this.reconcile(queued.announce).catch(noop)
    })
  }

  /** Subscribes at KuCoin what some replica wants and the owner does not hold; lets go of what nobody wants. */
  private async reconcile (announce: boolean): Promise<void> {
    if (!this.owner || !this.sides) return
    const { redis, keys } = this.deps
    const now = Date.now()
    await redis.zremrangebyscore(keys.wanters, '-inf', now)
    const replicas = await redis.zrangebyscore(keys.wanters, now, '+inf')
    const union = new Set(replicas.length ? await redis.sunion(...replicas.map(keys.wants)) : [])
    for (const topic of this.wants) union.add(topic)
    if (!this.owner) return
    const add = [...union].filter(t => !this.held.has(t))
    const drop = [...this.held].filter(t => !union.has(t))
    for (const topic of add) this.held.add(topic)
    for (const topic of drop) { this.held.delete(topic); this.ackedUpstream.delete(topic) }
    if (add.length) this.sides.upstream.subscribe(add)
    if (drop.length) {
      this.sides.upstream.unsubscribe(drop)
      this.publish('x', '', JSON.stringify(drop), noop)
    }
    // A replica that just asked for a topic already live learns it from a fresh ack.
    const acked = announce ? [...union].filter(t => this.ackedUpstream.has(t)) : []
    if (acked.length) this.publish('a', '', JSON.stringify(acked), noop)
  }

  /** The pools' events while this replica owns the slot: onto the bus; locally when Redis cannot take them. */
  private ownerEvents (): UpstreamEvents {
    const local = (): UpstreamEvents => this.sides!.local
    return {
      onMessage: (topic, frame) => this.publish('m', topic, frame, () => local().onMessage(topic, frame)),
      onTopicAck: topic => {
        if (this.held.has(topic)) this.ackedUpstream.add(topic)
        this.publish('a', '', JSON.stringify([topic]), () => local().onTopicAck(topic))
      },
      onTopicRefused: (topic, code, message) => {
        this.held.delete(topic)
        this.ackedUpstream.delete(topic)
        this.publish('r', topic, JSON.stringify({ code, message }), () => local().onTopicRefused(topic, code, message))
      },
      onDown: (topics, reason) => {
        for (const topic of topics) this.ackedUpstream.delete(topic)
        this.publish('d', '', JSON.stringify({ topics, reason }), () => local().onDown(topics, reason))
      },
      onUp: (topics, event) => this.publish('u', '', JSON.stringify({ topics, ...event }), () => local().onUp(topics, event))
    }
  }

  /**
   * One fenced publish. Redis refusing it (another epoch owns the slot) means
   * this replica was paused or cut off past its lease: it steps down at once.
   * Events after a step-down are not published at all.
   */
  private publish (kind: EntryKind, topic: string, payload: string | Buffer, fallback: () => void): void {
    const epoch = this.lease.epoch
    if (!this.owner || epoch === undefined) return
    this.deps.publisher.publish(this.deps.keys, epoch, kind, topic, payload).then(offset => {
      if (offset !== null) return
      this.counters.rejectedStale++
      this.stepDown(`fenced: epoch ${epoch} is no longer the slot's`)
    }, (error: Error) => {
      // Only a command that never left this process may be delivered locally instead; one that
      // timed out may still have been appended, and then reaches this hub through the bus.
      if (!notSent(error)) return
      this.counters.fallbacks++
      fallback()
    })
  }

  // ---- every replica: wants, and the bus -------------------------------------

  private want (topics: string[]): void {
    for (const topic of topics) this.wants.add(topic)
    const live = topics.filter(t => this.live.has(t))
    if (live.length) {
      queueMicrotask(() => { for (const topic of live) if (this.wants.has(topic) && this.live.has(topic)) this.sides?.local.onTopicAck(topic) })
    }
    this.wantsChanged()
  }

  private unwant (topics: string[]): void {
    for (const topic of topics) { this.wants.delete(topic); this.resyncing.delete(topic) }
    this.wantsChanged()
  }

  private wantsChanged (): void {
    this.wantsDirty = true
    this.registerWants().catch(noop)
    if (this.owner) this.queueReconcile(true)
  }

  /** Writes this replica's wanted topics (whole when changed, else only their TTL) and tells the owner. */
  private async registerWants (): Promise<void> {
    const { redis, keys, replicaId, settings } = this.deps
    const ttl = Math.max(3 * settings.leaseTtlMs, 5000)
    const key = keys.wants(replicaId)
    if (!this.wantsDirty) {
      if (!this.wants.size) return
      const results = await redis.multi().pexpire(key, ttl).zadd(keys.wanters, Date.now() + ttl, replicaId).exec()
      // The set is gone (Redis restarted empty, or it expired while Redis was away): write it whole.
      if (results?.[0]?.[1] !== 1) this.wantsDirty = true
      else return
    }
    this.wantsDirty = false
    const tx = redis.multi().del(key)
    if (this.wants.size) tx.sadd(key, ...this.wants).pexpire(key, ttl).zadd(keys.wanters, Date.now() + ttl, replicaId)
    else tx.zrem(keys.wanters, replicaId)
    tx.xadd(keys.control, 'MAXLEN', '~', '1000', '*', 'k', 'w', 'r', replicaId)
    try {
      const results = await tx.exec()
      if (results?.some(([error]) => error)) throw new Error('wants not registered')
    } catch (error) {
      this.wantsDirty = true
      throw error
    }
  }

  /** A control entry: wants changed (the owner reconciles) or the lease was released (others try for it). */
  control (kind: string): void {
    if (kind === 'w' && this.owner) this.queueReconcile(true)
    if (kind === 'R' && !this.owner) this.tryAcquire().catch(noop)
  }

  /** Bus entries, in order; `recovered` when read back by XRANGE after this replica lost its bus connection. */
  entries (entries: BusEntry[], recovered: boolean): void {
    for (const entry of entries) {
      const seen = continuity(this.last, entry)
      if (seen.kind === 'duplicate') continue
      this.last = { epoch: entry.epoch, offset: entry.offset }
      if (recovered) this.counters.recovered++
      if (seen.kind === 'new-owner') this.ownerChanged(entry.epoch)
      else if (seen.kind === 'gap') this.lost(seen.missed)
      this.apply(entry)
    }
  }

  private ownerChanged (epoch: string): void {
    this.counters.ownerChanges++
    this.live.clear()
    const topics = [...this.wants]
    this.deps.log.info({ slot: this.deps.slot, epoch, topics: topics.length }, 'new upstream owner on the bus; clients resync')
    if (!topics.length) return
    for (const topic of topics) this.resyncing.add(topic)
    this.sides?.local.onDown(topics, 'upstream owner changed')
  }

  private lost (missed: number): void {
    this.counters.gaps++
    this.counters.missed += missed
    const topics = [...this.wants]
    this.deps.log.warn({ slot: this.deps.slot, missed }, 'bus entries lost (trimmed before this replica read them); clients resync')
    if (topics.length) this.sides?.local.onUp(topics, { reconnect: true, renewal: false })
  }

  private apply (entry: BusEntry): void {
    const local = this.sides?.local
    if (!local) return
    switch (entry.kind) {
      case 'm':
        this.deps.lag?.(this.deps.slot, entryAgeMs(entry.id, Date.now()) / 1000)
        local.onMessage(entry.topic, Buffer.from(entry.payload))
        return
      case 'a': return this.acked(JSON.parse(entry.payload) as string[])
      case 'r': {
        const { code, message } = JSON.parse(entry.payload) as { code: number, message: string }
        this.live.delete(entry.topic)
        if (!this.wants.has(entry.topic)) return
        this.unwant([entry.topic])
        local.onTopicRefused(entry.topic, code, message)
        return
      }
      case 'd': {
        const { topics, reason } = JSON.parse(entry.payload) as { topics: string[], reason: string }
        for (const topic of topics) this.live.delete(topic)
        const mine = topics.filter(t => this.wants.has(t))
        if (mine.length) local.onDown(mine, reason)
        return
      }
      case 'u': {
        const { topics, reconnect, renewal } = JSON.parse(entry.payload) as { topics: string[], reconnect: boolean, renewal: boolean }
        const mine = topics.filter(t => this.wants.has(t) && !this.resyncing.has(t))
        if (mine.length) local.onUp(mine, { reconnect, renewal })
        return
      }
      case 'x': for (const topic of JSON.parse(entry.payload) as string[]) this.live.delete(topic)
    }
  }

  private acked (topics: string[]): void {
    const local = this.sides!.local
    const back: string[] = []
    for (const topic of topics) {
      this.live.add(topic)
      if (!this.wants.has(topic)) continue
      local.onTopicAck(topic)
      if (this.resyncing.delete(topic)) back.push(topic)
    }
    if (back.length) local.onUp(back, { reconnect: true, renewal: false })
  }
}

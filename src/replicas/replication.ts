// Replica mode's upstream side, per process: a command connection, a bus
// reader on a connection of its own, and one SlotReplica per market. The app
// builds it only when KGW_REDIS_URL is set; each market's feed then takes its
// relay (`relay(market)`), and a graceful stop releases the slots first.
import type { Config } from '../config.js'
import type { Market } from '../kucoin/catalog.js'
import { BusReader, Publisher } from './bus.js'
import { SLOTS, slotKeys, type Slot } from './keys.js'
import { connectRedis, type RedisClient } from './redis.js'
import { SlotReplica, type FeedRelay, type FeedSides, type Log, type SlotCounters, type SlotStatus } from './upstream-owner.js'

export interface ReplicationStatus {
  /** The last command and the last bus read both reached Redis: what the replica serves is verified. */
  redis: 'up' | 'down'
  slots: Record<Slot, SlotStatus>
}

export class Replication {
  readonly replicaId: string
  readonly slots: Record<Slot, SlotReplica>
  /** Set by the metrics: each bus frame's age when this replica reads it, in seconds. */
  lagObserver: ((slot: Slot, seconds: number) => void) | undefined
  private readonly commands: RedisClient
  private readonly leases: RedisClient
  private readonly reader: BusReader
  private commandsUp = false

  constructor (config: Pick<Config, 'replicas' | 'replicaStreams'>, private readonly log: Log & { debug?: (o: object, m: string) => void }) {
    const { replicas, replicaStreams } = config
    this.replicaId = replicas.replicaId
    this.commands = connectRedis(replicas, 'commands')
    // Leases get a connection of their own: a renewal stuck behind thousands of queued publishes would lose the slot.
    this.leases = connectRedis(replicas, 'leases')
    const subscriber = connectRedis(replicas, 'subscriber')
    this.watch(this.commands, up => { this.commandsUp = up })
    this.watch(subscriber, () => {})
    this.watch(this.leases, () => {})
    const publisher = new Publisher(this.commands, replicaStreams.streamMaxLen)
    const slot = (name: Slot): SlotReplica => new SlotReplica({
      slot: name,
      redis: this.commands,
      leaseRedis: this.leases,
      keys: slotKeys(replicas.keyPrefix, name),
      replicaId: replicas.replicaId,
      settings: replicaStreams,
      publisher,
      log,
      lag: (s, seconds) => this.lagObserver?.(s, seconds)
    })
    this.slots = { spot: slot('spot'), futures: slot('futures') }
    this.reader = new BusReader(subscriber, SLOTS.flatMap(name => {
      const keys = slotKeys(replicas.keyPrefix, name)
      const replica = this.slots[name]
      return [
        { key: keys.bus, kind: 'bus' as const, deliver: (entries, recovered) => replica.entries(entries, recovered) },
        { key: keys.control, kind: 'control' as const, deliver: () => {}, control: fields => replica.control(fields.k ?? '') }
      ]
    }))
    for (const name of SLOTS) this.slots[name].start()
  }

  /** The relay factory a market's feed takes in replica mode. */
  relay (market: Market): (sides: FeedSides) => FeedRelay {
    return sides => this.slots[market].attach(sides)
  }

  status (): ReplicationStatus {
    return {
      redis: this.commandsUp && this.reader.up ? 'up' : 'down',
      slots: { spot: this.slots.spot.status(), futures: this.slots.futures.status() }
    }
  }

  counters (slot: Slot): SlotCounters { return this.slots[slot].counters }

  /** First thing on a graceful stop: the slots go to another replica while this one drains. */
  async release (): Promise<void> {
    await Promise.all(SLOTS.map(name => this.slots[name].release()))
  }

  async close (): Promise<void> {
    await this.release()
    await this.reader.close()
    this.commands.disconnect()
    this.leases.disconnect()
  }

  private watch (redis: RedisClient, onChange: (up: boolean) => void): void {
    let lastError = ''
    redis.on('ready', () => { onChange(true); lastError = ''; this.log.info({ replica: this.replicaId }, 'replica mode: Redis connected') })
    redis.on('close', () => onChange(false))
    // ioredis emits every failed reconnect; log each distinct problem once until it is fixed.
    redis.on('error', (error: Error) => {
      onChange(false)
      if (error.message !== lastError) this.log.warn({ replica: this.replicaId, err: error.message }, 'replica mode: Redis unreachable')
      lastError = error.message
    })
  }
}

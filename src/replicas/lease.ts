// One upstream slot's lease, with a fencing epoch. Acquiring is `SET NX PX`
// followed by INCR of the slot's epoch, in one script so no other replica can
// slip between; renewing and releasing only touch a lease that still names
// this replica and epoch. The epoch counter starts from the clock when Redis
// has none (a Redis restarted without persistence), so epochs never go back.
import type { RedisClient } from './redis.js'
import type { SlotKeys } from './keys.js'

const ACQUIRE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0, redis.call('GET', KEYS[1]) or ''} end
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[3]) end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '/' .. epoch, 'PX', ARGV[2])
return {1, tostring(epoch)}`

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

export type AcquireResult = { acquired: true, epoch: string } | { acquired: false, holder: string }

export class Lease {
  /** The epoch this replica holds the lease under, if it does. */
  epoch: string | undefined

  constructor (
    private readonly redis: RedisClient,
    private readonly keys: SlotKeys,
    private readonly replicaId: string,
    private readonly ttlMs: number
  ) {}

  private get value (): string { return `${this.replicaId}/${this.epoch ?? ''}` }

  async acquire (): Promise<AcquireResult> {
    const [won, detail] = await this.redis.eval(ACQUIRE, 2, this.keys.lease, this.keys.epoch, this.replicaId, this.ttlMs, Date.now()) as [number, string]
    if (won !== 1) return { acquired: false, holder: detail }
    this.epoch = detail
    return { acquired: true, epoch: detail }
  }

  /** True while the lease is still ours (extended); false once it was lost (expired, or taken). */
  async renew (): Promise<boolean> {
    if (this.epoch === undefined) return false
    return await this.redis.eval(RENEW, 1, this.keys.lease, this.value, this.ttlMs) === 1
  }

  /** Lets the lease go now (graceful stop), so another replica need not wait for it to expire. */
  async release (): Promise<void> {
    if (this.epoch === undefined) return
    const value = this.value
    this.epoch = undefined
    await this.redis.eval(RELEASE, 1, this.keys.lease, value)
  }

  /** Forgets the lease locally (it was lost, or Redis said another owns it). */
  drop (): void { this.epoch = undefined }
}

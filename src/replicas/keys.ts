// Every Redis key replica mode's upstream ownership uses, in one place. A
// slot is one market's upstream (both channels): its lease, fencing epoch,
// offset counter, bus Stream, control Stream and the replicas' wanted topics.
// The group's WebSocket token key is here too.
import type { Market } from '../kucoin/catalog.js'

export type Slot = Market

export const SLOTS: readonly Slot[] = ['spot', 'futures']

export interface SlotKeys {
  /** The owner's lease: `SET NX PX`, value `<replicaId>/<epoch>`. */
  lease: string
  /** The fencing epoch: INCR on every acquisition; a publish naming another epoch is refused. */
  epoch: string
  /** The bus offset: INCR on every accepted publish, so a reader can see a gap. */
  offset: string
  /** The capped Stream of upstream frames, acks, refusals and up/down events, written only by the owner. */
  bus: string
  /** A small Stream any replica writes to: its wanted topics changed, or it released the lease. */
  control: string
  /** Replicas wanting topics on this slot, scored by when their registration expires. */
  wanters: string
  /** One replica's wanted topics (a SET with a TTL). */
  wants: (replicaId: string) => string
}

export function slotKeys (prefix: string, slot: Slot): SlotKeys {
  const base = `${prefix}up:${slot}:`
  return {
    lease: `${base}lease`,
    epoch: `${base}epoch`,
    offset: `${base}offset`,
    bus: `${base}bus`,
    control: `${base}control`,
    wanters: `${base}wanters`,
    wants: replicaId => `${base}want:${replicaId}`
  }
}

/** The replica group's WebSocket token key (src/replicas/token-key.ts): 32 random bytes, base64url, no expiry. */
export function tokenKeyName (prefix: string): string {
  return `${prefix}ws:token-key`
}

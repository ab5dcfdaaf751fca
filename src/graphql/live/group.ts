// Subscription groups: every live subscription whose results are identical by
// construction (operation.ts gives them one key) shares one group. A group
// runs the field's subscribe once (one hub client, hub-stream.ts), and per
// event executes the operation once and serializes the result once; its
// subscribers get those bytes inside their own envelopes (outlet.ts). The
// group ends when its last subscriber leaves (the hub lets go of the topic),
// or when its source fails (a slow-consumer cut of the group itself, a
// refused topic): then every subscriber gets the error as its own `error`
// message. A failure to start (access, arguments) reaches every subscriber
// that joined meanwhile, since they share the key, hence the rights.
import {
  GraphQLError, createSourceEventStream, execute, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema
} from 'graphql'
import type { GraphQLContext } from '../context.js'
import { HubStream, type StreamStats } from '../hub-stream.js'
import type { PreparedOperation } from './operation.js'
import type { Subscriber } from './outlet.js'

export interface GroupDeps {
  schema: GraphQLSchema
  stats: StreamStats
  /** GraphQL errors in the gateway's shape (errors.ts), for `next` payloads and `error` messages. */
  format: (result: ExecutionResult & { errors: readonly GraphQLError[] }) => { data?: unknown, errors: GraphQLFormattedError[] }
  /** A subscriber's operation started (no errors) or was refused. */
  count: (errors: readonly GraphQLFormattedError[] | undefined) => void
}

type Source = AsyncIterator<unknown> & { return?: () => Promise<IteratorResult<unknown>> }

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown }).then === 'function'

export class Group {
  readonly subscribers = new Set<Subscriber>()
  private source: Source | undefined
  private running = false
  private stopped = false

  constructor (
    readonly key: string,
    private readonly operation: PreparedOperation,
    /** The first subscriber's context; every other subscriber's reads the same (the key says so). */
    private readonly context: GraphQLContext,
    private readonly deps: GroupDeps,
    private readonly released: (group: Group) => void
  ) {}

  add (subscriber: Subscriber): void {
    this.subscribers.add(subscriber)
    subscriber.group = this
    this.deps.stats.open++
    if (this.running) this.deps.count(undefined)
  }

  remove (subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return
    subscriber.group = undefined
    subscriber.outlet.forget(subscriber)
    this.deps.stats.open--
    if (this.subscribers.size === 0) this.stop()
  }

  /** Subscribes the source, then executes and fans out each event until the source ends. */
  async run (): Promise<void> {
    const { schema } = this.deps
    const { document, variables, operationName } = this.operation
    const created = await createSourceEventStream({ schema, document, contextValue: this.context, variableValues: variables, operationName })
      .catch((error: unknown) => ({ errors: [error instanceof GraphQLError ? error : new GraphQLError(String(error), { originalError: error as Error })] }))
    if (!(Symbol.asyncIterator in created)) {
      const errors = this.deps.format({ errors: created.errors ?? [] }).errors
      for (let i = 0; i < this.subscribers.size; i++) this.deps.count(errors)
      this.finish(Buffer.from(JSON.stringify(errors)))
      return
    }
    const source = created[Symbol.asyncIterator]() as Source
    if (this.stopped) {
      await source.return?.()
      return
    }
    this.source = source
    this.running = true
    for (let i = 0; i < this.subscribers.size; i++) this.deps.count(undefined)
    const conflate = source instanceof HubStream && source.conflate
    try {
      for (let next = await source.next(); next.done !== true; next = await source.next()) {
        const payload = await this.execute(next.value)
        if (this.stopped) break
        for (const subscriber of this.subscribers) subscriber.outlet.offer(subscriber, payload, conflate)
      }
      this.finish(undefined)
    } catch (error) {
      const wrapped = new GraphQLError((error as Error).message ?? String(error), { originalError: error as Error })
      this.finish(Buffer.from(JSON.stringify(this.deps.format({ errors: [wrapped] }).errors)))
    }
  }

  /** One execution for every subscriber: the event as the root value, serialized once. */
  private async execute (event: unknown): Promise<Buffer> {
    const { schema } = this.deps
    const { document, variables, operationName } = this.operation
    this.deps.stats.executions++
    const executed = execute({ schema, document, rootValue: event, contextValue: this.context, variableValues: variables, operationName })
    const result = isPromise(executed) ? await executed : executed
    const body = result.errors?.length ? this.deps.format(result as ExecutionResult & { errors: readonly GraphQLError[] }) : result
    return Buffer.from(JSON.stringify(body))
  }

  /** The last subscriber left: the source lets go of its hub subscription. */
  private stop (): void {
    if (this.stopped) return
    this.stopped = true
    this.release()
    this.source?.return?.().catch(() => {})
  }

  /** The source ended by itself: every subscriber gets `errors` as an `error` message, or `complete`. */
  private finish (errors: Buffer | undefined): void {
    this.stopped = true
    this.release()
    for (const subscriber of [...this.subscribers]) {
      this.remove(subscriber)
      subscriber.outlet.end(subscriber, errors)
    }
  }

  private release (): void {
    this.running = false
    this.released(this)
  }
}

/** The live groups by key. */
export class Groups {
  private readonly live = new Map<string, Group>()

  constructor (private readonly deps: GroupDeps) {}

  /** Adds the subscriber to the group of its operation, starting one if none is live. */
  join (operation: PreparedOperation, context: GraphQLContext, subscriber: Subscriber): void {
    const live = this.live.get(operation.key)
    if (live !== undefined) {
      live.add(subscriber)
      return
    }
    const group = new Group(operation.key, operation, context, this.deps, g => this.release(g))
    this.live.set(operation.key, group)
    this.deps.stats.groups++
    group.add(subscriber)
    group.run().catch(() => {})
  }

  get size (): number {
    return this.live.size
  }

  private release (group: Group): void {
    if (this.live.get(group.key) !== group) return
    this.live.delete(group.key)
    this.deps.stats.groups--
  }
}

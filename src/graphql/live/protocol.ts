// The GraphQL-over-WebSocket protocols on /graphql, pure: reading a client
// message, writing server messages. Two dialects: `graphql-transport-ws`
// (the graphql-ws library's protocol, the current one) and the legacy
// `graphql-ws` of subscriptions-transport-ws, which older Apollo clients
// speak. They differ in message names and in how they refuse: the current
// one closes the socket with a 44xx code, the legacy one sends
// `connection_error` or `error`.

export const TRANSPORT_WS = 'graphql-transport-ws'
export const LEGACY_WS = 'graphql-ws'

/** Close codes of graphql-transport-ws (graphql-ws's PROTOCOL.md and CloseCode). */
export const CLOSE = {
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  subprotocolNotAcceptable: 4406,
  initTimeout: 4408,
  subscriberExists: 4409,
  tooManyInits: 4429
} as const

export interface Dialect {
  name: typeof TRANSPORT_WS | typeof LEGACY_WS
  /** Server → client result message. */
  next: 'next' | 'data'
  /** Client message types, by meaning. */
  types: Record<string, ClientMessage['type'] | undefined>
}

const TRANSPORT: Dialect = {
  name: TRANSPORT_WS,
  next: 'next',
  types: { connection_init: 'init', subscribe: 'subscribe', complete: 'stop', ping: 'ping', pong: 'pong' }
}

const LEGACY: Dialect = {
  name: LEGACY_WS,
  next: 'data',
  types: { connection_init: 'init', start: 'subscribe', stop: 'stop', connection_terminate: 'terminate' }
}

/** The dialect of a negotiated subprotocol; no subprotocol at all is taken as the legacy one, as mercurius did. */
export function dialectOf (protocol: string): Dialect | undefined {
  if (protocol === TRANSPORT_WS) return TRANSPORT
  if (protocol === LEGACY_WS || protocol === '') return LEGACY
  return undefined
}

export interface SubscribeRequest {
  query: string
  variables: Record<string, unknown> | undefined
  operationName: string | undefined
}

export type ClientMessage =
  | { type: 'init', payload: unknown }
  | { type: 'subscribe', id: string, request: SubscribeRequest }
  | { type: 'stop', id: string }
  | { type: 'ping', payload: unknown }
  | { type: 'pong' }
  | { type: 'terminate' }

/** A message the protocol does not allow; the current dialect closes with 4400 and this reason. */
export interface InvalidMessage { invalid: string, id?: string }

/** Ids are echoed in every message of their subscription; a bound keeps that cheap. */
const MAX_ID_LENGTH = 256

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const optional = (value: unknown, type: 'string' | 'object'): boolean =>
  value === undefined || value === null || (type === 'object' ? isRecord(value) : typeof value === 'string')

function subscribePayload (payload: unknown): SubscribeRequest | string {
  if (!isRecord(payload)) return 'the subscribe payload must be an object'
  const { query, variables, operationName } = payload
  if (typeof query !== 'string' || query === '') return 'the subscribe payload needs a query string'
  if (!optional(variables, 'object')) return 'variables must be an object'
  if (!optional(operationName, 'string')) return 'operationName must be a string'
  return { query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: (operationName ?? undefined) as string | undefined }
}

export function parseClientMessage (dialect: Dialect, data: Buffer): ClientMessage | InvalidMessage {
  let message: unknown
  try {
    message = JSON.parse(data.toString('utf8'))
  } catch {
    return { invalid: 'Message must be a JSON object' }
  }
  if (!isRecord(message) || typeof message.type !== 'string') return { invalid: 'Message must be a JSON object with a type' }
  const type = Object.hasOwn(dialect.types, message.type) ? dialect.types[message.type] : undefined
  if (type === undefined) return { invalid: `Invalid message type ${JSON.stringify(message.type.slice(0, 64))}` }
  if (type === 'init') return { type, payload: message.payload }
  if (type === 'ping') return { type, payload: message.payload }
  if (type === 'pong' || type === 'terminate') return { type }
  const id = message.id
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) return { invalid: `${message.type} needs an id of 1 to ${MAX_ID_LENGTH} characters` }
  if (type === 'stop') return { type, id }
  const request = subscribePayload(message.payload)
  return typeof request === 'string' ? { invalid: request, id } : { type, id, request }
}

export function isInvalid (message: ClientMessage | InvalidMessage): message is InvalidMessage {
  return 'invalid' in message
}

/** A server message without a spliced payload: ack, pong, complete, error. */
export function serverMessage (type: string, id?: string, payload?: unknown): string {
  return JSON.stringify({ id, type, payload })
}

/**
 * The bytes of a result message up to its payload, `{"id":"7","type":"next","payload":`:
 * built once per subscription; per event only the group's serialized payload
 * and the closing brace follow.
 */
export function resultPrefix (dialect: Dialect, id: string): Buffer {
  return Buffer.from(`{"id":${JSON.stringify(id)},"type":"${dialect.next}","payload":`)
}

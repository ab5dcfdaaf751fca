// GraphQL test clients: POST /graphql over HTTP, and a minimal graphql-ws
// (graphql-transport-ws protocol) client over a real socket.
import WebSocket from 'ws'
import type { Gateway } from '../helper.js'

export interface GqlError { message: string, path?: Array<string | number>, extensions: Record<string, any> }
export interface GqlReply { status: number, data: any, errors: GqlError[] | undefined }

export async function gql (gw: Gateway, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlReply> {
  const res = await gw.call('POST', '/graphql', { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) })
  const body = res.json<{ data: any, errors?: GqlError[] }>()
  return { status: res.status, data: body.data, errors: body.errors }
}

/** The error at a path such as `spot.ticker`. */
export function errorAt (reply: GqlReply, path: string): GqlError | undefined {
  return reply.errors?.find(e => e.path?.join('.') === path)
}

export interface Subscriber {
  ws: WebSocket
  /** `next` payloads per subscription id, in arrival order. */
  next: Map<string, any[]>
  /** `error` payloads per subscription id. */
  errors: Map<string, any>
  /** `complete` messages by subscription id. */
  completed: Set<string>
  /** Every message as received, in order. */
  raw: string[]
  subscribe: (id: string, query: string, variables?: Record<string, unknown>) => void
  complete: (id: string) => void
  close: () => void
}

/** Connects and sends connection_init with `payload` (e.g. `{ authorization: 'Bearer …' }`). */
export async function subscriber (gw: Gateway, payload: Record<string, unknown> = {}): Promise<Subscriber> {
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws')
  const next = new Map<string, any[]>()
  const errors = new Map<string, any>()
  const completed = new Set<string>()
  const raw: string[] = []
  ws.on('error', () => {})
  const acked = new Promise<void>((resolve, reject) => {
    ws.on('message', data => {
      raw.push(data.toString())
      const msg = JSON.parse(data.toString()) as { type: string, id?: string, payload?: any }
      if (msg.type === 'connection_ack') resolve()
      else if (msg.type === 'connection_error') reject(new Error(JSON.stringify(msg.payload)))
      else if (msg.type === 'next') next.set(msg.id!, [...(next.get(msg.id!) ?? []), msg.payload])
      else if (msg.type === 'error') errors.set(msg.id!, msg.payload)
      else if (msg.type === 'complete') completed.add(msg.id!)
    })
    // graphql-transport-ws refuses a connection by closing it (4403 Forbidden).
    ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)))
  })
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  ws.send(JSON.stringify({ type: 'connection_init', payload }))
  await acked
  return {
    ws,
    next,
    errors,
    completed,
    raw,
    subscribe: (id, query, variables) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    complete: id => ws.send(JSON.stringify({ id, type: 'complete' })),
    close: () => ws.terminate()
  }
}

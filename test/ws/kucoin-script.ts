// A scripted KuCoin WebSocket host for tests, written from PROTOCOL §5: welcome
// with the connectId, pong, and a subscribe answered with an ack, or, when
// the frame names a topic the script refuses, with KuCoin's error frame for
// the whole frame (KuCoin refuses a frame, not a symbol). The gateway is sent
// here by a simulator fault that answers its bullet call with this endpoint.
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Gateway } from '../helper.js'

export interface ScriptedKucoin {
  /** Single-symbol topics each open connection holds, acked. */
  held: () => string[]
  /** Single-symbol topic → the error a subscribe naming it gets. */
  refuse: Map<string, { code: number, data: string }>
  push: (topic: string, frame: object) => void
  dropAll: () => void
  close: () => Promise<void>
}

function expand (topic: string): string[] {
  const colon = topic.indexOf(':')
  if (colon < 0) return [topic]
  return topic.slice(colon + 1).split(',').map(s => `${topic.slice(0, colon)}:${s}`)
}

export async function scriptedKucoin (gw: Gateway, market: 'spot' | 'futures' = 'spot'): Promise<ScriptedKucoin> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise(resolve => wss.once('listening', resolve))
  const held = new Map<WebSocket, Set<string>>()
  const refuse = new Map<string, { code: number, data: string }>()
  wss.on('connection', (ws, req) => {
    const connectId = new URL(req.url ?? '/', 'ws://x').searchParams.get('connectId') ?? 'c'
    const topics = new Set<string>()
    held.set(ws, topics)
    ws.on('close', () => held.delete(ws))
    ws.on('error', () => {})
    ws.on('message', data => {
      const frame = JSON.parse(data.toString()) as { id: string, type: string, topic?: string }
      if (frame.type === 'ping') { ws.send(JSON.stringify({ id: frame.id, type: 'pong' })); return }
      const singles = expand(frame.topic ?? '')
      if (frame.type === 'unsubscribe') { for (const s of singles) topics.delete(s); ws.send(JSON.stringify({ id: frame.id, type: 'ack' })); return }
      const refused = singles.map(s => refuse.get(s)).find(e => e !== undefined)
      if (refused) { ws.send(JSON.stringify({ id: frame.id, type: 'error', ...refused })); return }
      for (const s of singles) topics.add(s)
      ws.send(JSON.stringify({ id: frame.id, type: 'ack' }))
    })
    ws.send(JSON.stringify({ id: connectId, type: 'welcome' }))
  })
  const endpoint = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`
  const bullet = { code: '200000', data: { token: 'scripted', instanceServers: [{ endpoint, encrypt: false, protocol: 'websocket', pingInterval: 18_000, pingTimeout: 10_000 }] } }
  gw.sim.addFault({ market, method: 'POST', path: '/api/v1/bullet-public', action: { kind: 'raw', status: 200, contentType: 'application/json', body: JSON.stringify(bullet) } })
  return {
    held: () => [...held.values()].flatMap(set => [...set]),
    refuse,
    push: (topic, frame) => {
      const bytes = JSON.stringify(frame)
      for (const [ws, topics] of held) if (topics.has(topic)) ws.send(bytes)
    },
    dropAll: () => { for (const ws of held.keys()) ws.terminate() },
    close: async () => {
      for (const ws of held.keys()) ws.terminate()
      await new Promise(resolve => wss.close(resolve))
    }
  }
}

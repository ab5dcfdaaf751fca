// A small KuCoin-protocol WebSocket client for tests: gets a bullet from the
// gateway, connects, waits for welcome, and records every frame.
import WebSocket from 'ws'

export interface TestSocket {
  ws: WebSocket
  frames: Array<Record<string, any>>
  send: (frame: object | string) => void
  /** Sends a subscribe (privateChannel: true for private topics, as KuCoin wants) and waits for its ack or error. */
  subscribe: (topic: string, id?: string, privateChannel?: boolean) => Promise<Record<string, any>>
  waitFor: (predicate: (frame: Record<string, any>) => boolean, timeoutMs?: number) => Promise<Record<string, any>>
  closed: Promise<{ code: number, reason: string }>
  close: () => void
}

export async function bullet (gatewayUrl: string, market: 'spot' | 'futures', channel: 'public' | 'private' = 'public'): Promise<{ token: string, endpoint: string }> {
  const res = await fetch(`${gatewayUrl}/${market}/api/v1/bullet-${channel}`, { method: 'POST' })
  const body = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  return { token: body.data.token, endpoint: body.data.instanceServers[0]!.endpoint }
}

export async function connect (gatewayUrl: string, market: 'spot' | 'futures' = 'spot', channel: 'public' | 'private' = 'public'): Promise<TestSocket> {
  const { token, endpoint } = await bullet(gatewayUrl, market, channel)
  const ws = new WebSocket(`${endpoint}?token=${token}&connectId=test`)
  const frames: Array<Record<string, any>> = []
  const waiters = new Set<() => void>()
  ws.on('message', data => {
    frames.push(JSON.parse(data.toString()))
    for (const w of waiters) w()
  })
  const closed = new Promise<{ code: number, reason: string }>(resolve => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  ws.on('error', () => {})
  const waitFor: TestSocket['waitFor'] = (predicate, timeoutMs = 5000) => new Promise((resolve, reject) => {
    const check = (): void => {
      const hit = frames.find(predicate)
      if (hit) { waiters.delete(check); clearTimeout(timer); resolve(hit) }
    }
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out; frames: ${JSON.stringify(frames.slice(-5))}`)) }, timeoutMs)
    waiters.add(check)
    check()
  })
  await waitFor(f => f.type === 'welcome')
  let nextId = 1
  const send: TestSocket['send'] = frame => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  return {
    ws,
    frames,
    send,
    waitFor,
    closed,
    close: () => ws.close(),
    subscribe: (topic, id = `s${nextId++}`, privateChannel = false) => {
      send({ id, type: 'subscribe', topic, privateChannel, response: true })
      return waitFor(f => f.id === id && (f.type === 'ack' || f.type === 'error'))
    }
  }
}

export async function until (condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

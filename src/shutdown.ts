// Graceful close, run by app.close() (server.ts calls it on SIGTERM/SIGINT):
// fastify stops routing new requests (503) and stops accepting connections;
// this adds what it leaves out. Install before @fastify/websocket, whose own
// preClose closes sockets without a code (hooks run in registration order).
import type { FastifyInstance } from 'fastify'
import { goingAway } from './ws/downstream.js'

const REAP_EVERY_MS = 50

export function installGracefulClose (app: FastifyInstance): void {
  let reaper: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    goingAway(app.websocketServer.clients)
    // A request in flight when close began finishes on a keep-alive connection that would
    // then sit idle for keepAliveTimeout and hold server.close() open: reap those as they idle.
    reaper = setInterval(() => app.server.closeIdleConnections(), REAP_EVERY_MS)
    reaper.unref()
  })
  app.addHook('onClose', async () => { clearInterval(reaper) })
}

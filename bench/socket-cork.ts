// bench/socket-cork: 200 TCP sockets to a reader process; per turn each socket gets F frames of
// one write each (as before) or corked for the turn (as now). CPU of this process per frame written.
import net from 'node:net'
import { fork } from 'node:child_process'
const SOCKETS = 200; const F = Number(process.env.F ?? 5); const TURNS = 2000
if (process.argv[2] === 'reader') {
  const server = net.createServer(s => s.on('data', () => {}))
  server.listen(0, () => process.send!((server.address() as net.AddressInfo).port))
} else {
  const child = fork(process.argv[1]!, ['reader'], { execArgv: ['--import', 'tsx'] })
  const port = await new Promise<number>(resolve => child.once('message', m => resolve(m as number)))
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<net.Socket>(resolve => { const s = net.connect(port, '127.0.0.1', () => resolve(s)) })))
  const frame = Buffer.alloc(200, 97)
  for (const mode of ['plain', 'cork', 'plain', 'cork']) {
    const t0 = process.cpuUsage()
    for (let turn = 0; turn < TURNS; turn++) {
      for (let f = 0; f < F; f++) {
        for (const s of sockets) {
          if (mode === 'cork' && s.writableCorked === 0) s.cork()
          s.write(frame)
        }
      }
      if (mode === 'cork') for (const s of sockets) s.uncork()
      await new Promise(resolve => setImmediate(resolve))
    }
    const d = process.cpuUsage(t0)
    console.log(`${mode}: ${((d.user + d.system) / (TURNS * F * SOCKETS)).toFixed(2)} µs CPU per frame written (${F} frames per socket per turn)`)
  }
  for (const s of sockets) s.destroy()
  child.kill()
}

// A static KuCoin stand-in for bench/rest-static: raw TCP, one prebuilt
// answer per request (a level1 envelope), so it costs microseconds and the
// proxy in front of it is what gets measured. One port per framing; prints
// one JSON line {"content-length": url, "chunked": url, "body": envelope},
// then serves until killed.
import { createServer, type AddressInfo, type Server } from 'node:net'

const LEVEL1 = '{"code":"200000","data":{"time":1729000000000,"sequence":"1550467636704","price":"67000.1","size":"0.00012","bestBid":"67000","bestBidSize":"0.5","bestAsk":"67000.2","bestAskSize":"0.6"}}'

function answer (framing: 'content-length' | 'chunked'): Buffer {
  // KuCoin's rate-limit headers, with a quota no run can reach: the gateway's
  // governor follows them (as it must), and the benchmark measures the proxy.
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ngw-ratelimit-limit: 10000000\r\ngw-ratelimit-remaining: 9999999\r\ngw-ratelimit-reset: 29999\r\n'
  return framing === 'content-length'
    ? Buffer.from(`${head}content-length: ${Buffer.byteLength(LEVEL1)}\r\n\r\n${LEVEL1}`)
    : Buffer.from(`${head}transfer-encoding: chunked\r\n\r\n${Buffer.byteLength(LEVEL1).toString(16)}\r\n${LEVEL1}\r\n0\r\n\r\n`)
}

/** Answers every request head (GETs, no bodies) with the same bytes. */
async function serve (bytes: Buffer): Promise<string> {
  const server: Server = createServer(socket => {
    socket.setNoDelay(true)
    socket.on('error', () => {})
    let pending = ''
    socket.on('data', (data: Buffer) => {
      pending += data.toString('latin1')
      let n = 0
      let end = 0
      for (let i = pending.indexOf('\r\n\r\n'); i !== -1; i = pending.indexOf('\r\n\r\n', i + 4)) { n++; end = i + 4 }
      if (n === 0) return
      pending = pending.slice(end)
      socket.write(n === 1 ? bytes : Buffer.concat(Array<Buffer>(n).fill(bytes)))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const urls = { 'content-length': await serve(answer('content-length')), chunked: await serve(answer('chunked')) }
console.log(JSON.stringify({ ...urls, body: LEVEL1 }))
process.once('SIGINT', () => process.exit(0))

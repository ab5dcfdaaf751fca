// The gateway's pino configuration. Secrets never reach a log line, in three
// layers: request URLs lose their `token` query parameter (WebSocket tokens
// travel there); credential headers are redacted by path; and, whatever
// slipped through (an error message or cause quoting a value), every line is
// scrubbed before it is written: of the configured key, secret, passphrase
// (and its HMAC) and client tokens, and of anything shaped like a KuCoin
// signature. The same scrubber runs over problem bodies and GraphQL errors,
// where an upstream that echoes request headers would otherwise put them.
import { createHmac } from 'node:crypto'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { DestinationStream, LoggerOptions } from 'pino'
import type { Config } from './config.js'

const MASK = '[redacted]'

/** Header paths that can hold credentials, wherever headers get logged. */
const REDACT_PATHS = ['authorization', 'cookie', 'kc-api-key', 'kc-api-sign', 'kc-api-passphrase', 'x-api-key']
  .flatMap(h => [`req.headers["${h}"]`, `headers["${h}"]`, `err.headers["${h}"]`])

/** `/spot/ws?token=abc&connectId=1` → `/spot/ws?token=[redacted]&connectId=1`. */
export function redactUrl (url: string): string {
  return url.includes('token=') ? url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, `$1${encodeURIComponent(MASK)}`) : url
}

/** The strings no line may contain; the HMAC'd passphrase is as good as the passphrase to KuCoin. */
export function secretsOf (config: Pick<Config, 'credentials' | 'tokens'> & { replicas?: Pick<Config['replicas'], 'redisUrl'> }): string[] {
  const secrets = config.tokens.map(t => t.token)
  const redisPassword = redisPasswordOf(config.replicas?.redisUrl)
  if (redisPassword !== undefined) secrets.push(redisPassword)
  const c = config.credentials
  if (c) {
    secrets.push(c.key, c.secret, c.passphrase, createHmac('sha256', c.secret).update(c.passphrase).digest('base64'))
  }
  // Very short values would scrub ordinary words; the config refuses short tokens, and KuCoin keys are long.
  return secrets.filter(s => s.length >= 6)
}

/** The password in a redis://user:password@host URL, which must never reach a log line. */
function redisPasswordOf (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}

/**
 * A KC-API-SIGN value: the base64 of an HMAC-SHA256 (32 bytes, 44 characters),
 * and any value written after a credential header's name. Signatures change
 * with every request, so they are caught by shape, not by value.
 */
const SIGNATURE = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g
const HEADER_VALUE = /(kc-api-(?:key|sign|passphrase|partner-sign)(?![\w-])["']?\s*[:=]\s*["']?)[^\s"',;&}[\]\\]+/gi

export type Scrub = (text: string) => string

/** Removes every secret of this configuration from a text (a log line, a problem's detail). */
export function scrubberFor (config: Pick<Config, 'credentials' | 'tokens'>): Scrub {
  const secrets = secretsOf(config)
  // A secret with a quote or backslash appears JSON-escaped in a serialized line.
  for (const secret of [...secrets]) {
    const escaped = JSON.stringify(secret).slice(1, -1)
    if (escaped !== secret) secrets.push(escaped)
  }
  const signed = config.credentials !== undefined
  if (secrets.length === 0 && !signed) return text => text
  return text => {
    let out = text
    for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, MASK)
    return signed ? out.replace(SIGNATURE, MASK).replace(HEADER_VALUE, `$1${MASK}`) : out
  }
}

interface RawRequest { method?: string, url?: string, hostname?: string, ip?: string, socket?: { remotePort?: number } }

export function loggerOptions (config: Config, stream?: DestinationStream): NonNullable<FastifyServerOptions['logger']> {
  const options: LoggerOptions & { stream?: DestinationStream } = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: MASK },
    serializers: {
      req: (req: RawRequest) => ({
        method: req.method,
        url: redactUrl(req.url ?? ''),
        host: req.hostname,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort
      })
    },
    hooks: { streamWrite: scrubberFor(config) }
  }
  if (stream) options.stream = stream
  return options
}

/**
 * One line per request at info, written when the response is done (fastify's
 * default is two: "incoming request" and "request completed"). The arrival
 * is still there at debug, for following a request that never finishes.
 */
export function logRequests (app: FastifyInstance): void {
  app.addHook('onRequest', async request => { request.log.debug({ req: request }, 'incoming request') })
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed')
  })
}

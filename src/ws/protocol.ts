// The downstream wire protocol: KuCoin's classic frames (PROTOCOL §5), the
// gateway's notices, and the close codes it uses. Frames the gateway makes
// itself are small and built here; market data is never re-encoded.

export type ClientFrame =
  | { type: 'ping', id: string }
  | { type: 'subscribe' | 'unsubscribe', id: string, topic: string, privateChannel: boolean, response: boolean, since?: number, epoch?: string, resumable?: boolean }

export interface FrameError { id: string, code: number, message: string }

/** KuCoin's WebSocket error codes (PROTOCOL §3.3, WebSocket table). */
export const WS_ERROR = {
  invalidTopic: 400,
  tokenInvalid: 401,
  loginRequired: 403,
  topicNotFound: 404,
  topicRequired: 406,
  typeNotSupported: 415,
  limitExceeded: 509
} as const

/** Close codes. 1001 and 1008 are the standard ones; 4xxx are the gateway's own. */
export const CLOSE = {
  /** The gateway is shutting down. */
  goingAway: 1001,
  /** Bad or expired token. */
  policy: 1008,
  /** No frame from the client for too long (KuCoin: ping at pingInterval). */
  idle: 4000,
  /** Behind on a delta topic past the hard send-buffer limit. */
  slowConsumer: 4008,
  /** Over the client frame-rate limit. */
  tooManyFrames: 4029
} as const

// The official SDK's ids name every symbol of the subscription (`/market/ticker@@A,B,...`)
// and it waits for an ack with exactly that id, so ids are as long as topics may be.
// Frames are capped by the socket's maxPayload anyway.
const MAX_ID_LENGTH = 16 * 1024

function idOf (value: unknown): string | undefined {
  if (typeof value === 'string' && value.length <= MAX_ID_LENGTH) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** Parses one client frame, or says (in KuCoin's terms) what is wrong with it. */
export function parseClientFrame (data: Buffer | string): ClientFrame | FrameError {
  let message: unknown
  try {
    message = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'))
  } catch {
    return { id: '', code: WS_ERROR.invalidTopic, message: 'frame is not valid JSON' }
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return { id: '', code: WS_ERROR.invalidTopic, message: 'frame must be a JSON object' }
  }
  const frame = message as Record<string, unknown>
  const id = idOf(frame.id) ?? ''
  if (frame.type === 'ping') return { type: 'ping', id }
  if (frame.type !== 'subscribe' && frame.type !== 'unsubscribe') {
    return { id, code: WS_ERROR.typeNotSupported, message: `type ${JSON.stringify(frame.type ?? null)} is not supported` }
  }
  if (typeof frame.topic !== 'string' || frame.topic === '') return { id, code: WS_ERROR.topicRequired, message: 'topic is required' }
  if (frame.topic.length > 8192) return { id, code: WS_ERROR.invalidTopic, message: 'topic is too long' }
  const parsed: ClientFrame = { type: frame.type, id, topic: frame.topic, privateChannel: frame.privateChannel === true, response: frame.response === true }
  // A resume (gateway topics): the last sequence the client holds, as a number or a decimal string.
  const since = typeof frame.since === 'string' && /^\d{1,16}$/.test(frame.since) ? Number(frame.since) : frame.since
  if (typeof since === 'number' && Number.isSafeInteger(since) && since >= 0) parsed.since = since
  // Relayed topics (src/ws/history.ts): the epoch of that offset, or a first ask for resumable delivery.
  if (typeof frame.epoch === 'string' && frame.epoch.length <= 64) parsed.epoch = frame.epoch
  if (frame.resumable === true) parsed.resumable = true
  return parsed
}

export function isFrameError (frame: ClientFrame | FrameError): frame is FrameError {
  return 'code' in frame
}

export const welcomeFrame = (id: string): string => JSON.stringify({ id, type: 'welcome' })
export const pongFrame = (id: string, now: number): string => JSON.stringify({ id, type: 'pong', timestamp: now })
export const ackFrame = (id: string): string => JSON.stringify({ id, type: 'ack' })
export const errorFrame = (id: string, code: number, data: string): string => JSON.stringify({ id, type: 'error', code, data })

/**
 * A topic KuCoin refused after the client's subscribe had been acked (at an
 * upstream reconnect or renewal): KuCoin's error frame with the id of the
 * client's subscribe and, beyond KuCoin's fields, the topic it was about.
 */
export const topicErrorFrame = (id: string, code: number, data: string, topic: string): string => JSON.stringify({ id, type: 'error', code, data, topic })

/**
 * Gateway events, as `{"type":"notice","subject":...,"data":...}` (KuCoin also
 * has a `notice` message type, so SDKs pass it on or ignore it):
 * - `upstream.reconnecting`: the KuCoin connection serving these topics dropped;
 * - `upstream.reconnected`: it is back and resubscribed; `gap: true` means frames
 *   may have been missed, so delta consumers (level2, match) should resync;
 * - `slow-consumer`: sent just before a close with code 4008;
 * - `stale`: a live topic has had no frame for longer than its threshold;
 *   `fresh`: its frames flow again (sent just before the first one).
 */
export type NoticeSubject = 'upstream.reconnecting' | 'upstream.reconnected' | 'slow-consumer' | 'gateway.shutdown' | 'stale' | 'fresh'

export function noticeFrame (subject: NoticeSubject, data: Record<string, unknown>): string {
  return JSON.stringify({ type: 'notice', subject, data })
}

const TOPIC_FIELD = /"topic"\s*:\s*"((?:[^"\\]|\\.)*)"/
const MESSAGE_TYPE = /"type"\s*:\s*"message"/

/**
 * The topic of an upstream `message` frame, read from its first bytes without
 * parsing it (KuCoin puts `type` and `topic` before `data`). Undefined when they
 * are not there: control frames (welcome, ack, pong, error), or an unusual
 * layout, which the caller then parses in full.
 */
export function messageTopic (frame: Buffer): string | undefined {
  const head = frame.toString('latin1', 0, Math.min(frame.length, 512))
  if (!MESSAGE_TYPE.test(head)) return undefined
  const match = TOPIC_FIELD.exec(head)
  if (!match) return undefined
  return match[1]!.includes('\\') ? JSON.parse(`"${match[1]!}"`) as string : match[1]
}

/**
 * A string field of a message frame, read without parsing it: from its first
 * bytes when there (KuCoin puts `subject` before `data` mostly), else from
 * anywhere (some topics put it after `data`). Only the conflation path calls it.
 */
export function stringField (frame: Buffer, name: 'subject' | 'symbol'): string | undefined {
  const pattern = name === 'subject' ? SUBJECT_FIELD : SYMBOL_FIELD
  const head = frame.toString('latin1', 0, Math.min(frame.length, 512))
  const match = pattern.exec(head) ?? (frame.length > 512 ? pattern.exec(frame.toString('latin1')) : null)
  return match?.[1]
}

const SUBJECT_FIELD = /"subject"\s*:\s*"((?:[^"\\]|\\.)*)"/
const SYMBOL_FIELD = /"symbol"\s*:\s*"((?:[^"\\]|\\.)*)"/
const CANDLE_START = /"candles"\s*:\s*\[\s*"?(\d+)/

/** The start time of a candle frame (`candles[0]`), as written. */
export function candleStart (frame: Buffer): string | undefined {
  return CANDLE_START.exec(frame.toString('latin1'))?.[1]
}

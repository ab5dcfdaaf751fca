// KuCoin error codes the simulator answers with, their messages and HTTP
// statuses (PROTOCOL §3.2/§3.3). Gateway-level codes carry a 4xx/5xx status;
// business codes come with HTTP 200, as KuCoin does.

interface CodeInfo { msg: string, status: number }

const CODES: Readonly<Record<string, CodeInfo>> = {
  400001: { msg: 'Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE', status: 400 },
  400002: { msg: 'KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds', status: 400 },
  400003: { msg: 'KC-API-KEY not exists', status: 401 },
  400004: { msg: 'Invalid KC-API-PASSPHRASE', status: 401 },
  400005: { msg: 'Signature verification failed', status: 401 },
  400006: { msg: 'Invalid request IP', status: 401 },
  400007: { msg: 'Access denied, require more permission.', status: 403 },
  // A malformed header value, like 400001/400002, so 400 rather than 401.
  400009: { msg: 'Invalid KC-API-KEY-VERSION', status: 400 },
  404000: { msg: 'Not Found', status: 404 },
  415000: { msg: 'Unsupported Media Type', status: 415 },
  429000: { msg: 'Too Many Requests', status: 429 },
  500000: { msg: 'Internal Server Error', status: 500 },
  503000: { msg: 'Service Unavailable', status: 503 },
  400100: { msg: 'Invalid Parameter.', status: 200 },
  200004: { msg: 'Balance insufficient!', status: 200 },
  102426: { msg: 'The clientOid is duplicated, please change another one.', status: 200 },
  102436: { msg: 'The order does not exist.', status: 200 },
  126043: { msg: 'order does not exist', status: 200 },
  126044: { msg: 'clientOid duplicate', status: 200 },
  100001: { msg: 'Invalid parameter.', status: 200 },
  100003: { msg: 'Contract parameter invalid.', status: 200 },
  100004: { msg: 'The order cannot be canceled.', status: 200 },
  300003: { msg: 'Balance not enough', status: 200 },
  300018: { msg: 'clientOid parameter repeated', status: 200 }
}

/** HTTP status for a KuCoin code: the table above, else 200 (a business error). */
export function statusFor (code: string): number {
  return CODES[code]?.status ?? 200
}

export function defaultMsg (code: string): string {
  return CODES[code]?.msg ?? 'Simulated error'
}

/** Thrown by handlers and checks; the server turns it into KuCoin's `{code, msg}` envelope. */
export class SimError extends Error {
  readonly code: string
  readonly status: number

  constructor (code: string, msg: string = defaultMsg(code), status: number = statusFor(code)) {
    super(msg)
    this.code = code
    this.status = status
  }

  body (): string {
    return JSON.stringify({ code: this.code, msg: this.message })
  }
}

/** Spot parameter error (400100) with a specific message. */
export function spotParam (msg: string): SimError {
  return new SimError('400100', msg)
}

/** Futures parameter error (100001) with a specific message. */
export function futuresParam (msg: string): SimError {
  return new SimError('100001', msg)
}

// The shared KuCoin budget's Lua scripts. Each runs atomically in Redis, so
// replicas reserving at the same moment are counted exactly. One hash per
// KuCoin account and pool holds the current window: `used` weight, `reset`
// (when the window ends, Redis's own clock in ms, so replicas' clocks never
// disagree) and `limit` (KuCoin's, once a replica has seen gw-ratelimit-limit).
// KuCoin's windows start with the first call, not on a wall-clock grid, so the
// window is a field of the key rather than part of its name; the key expires
// one window after its window ends.
//
// Both scripts only ever raise `used` and push `reset` later: the shared view
// may be more careful than KuCoin's, never more generous.

/** Redis's clock in ms; TIME is allowed in scripts since Redis 5 (effects replication). */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

/** Reads the window; an ended one (past its reset plus the margin) reads as none. */
const READ = `
local stored = redis.call('HMGET', KEYS[1], 'used', 'reset', 'limit')
local used = tonumber(stored[1]) or 0
local reset = tonumber(stored[2])
local limit = tonumber(stored[3]) or tonumber(ARGV[1])
if reset ~= nil and now >= reset + margin then
  used = 0
  reset = nil
end
`

const WRITE = `
redis.call('HSET', KEYS[1], 'used', used, 'reset', reset)
redis.call('PEXPIRE', KEYS[1], math.max(1, reset + margin - now) + windowMs)
`

/**
 * KEYS[1] the pool's hash. ARGV: limit (the replica's), weight, windowMs,
 * marginMs, keep (weight this call must leave unspent: its class's reserve
 * plus the safety margin), knownUsed and knownResetIn (what the replica's own
 * headers say KuCoin has counted, and when its window ends; 0 when it knows
 * nothing), chunk and creditKeep (credit asked for on top of the weight, and
 * what the pool must still have left after it: the most careful class's
 * reserve plus the safety margin; chunk 0 asks for none). Answers {1,
 * remaining, msToRefill, granted} when admitted (granted: the credit, chunk or
 * 0), {0, remaining, msToRefill, 0} when refused. Credit is granted only when
 * it fits and the window has more than twice the margin left, so it can be
 * spent before the window's margin; a weight-0 ask (a top-up of credit alone)
 * never opens a window, since no call would start KuCoin's with it. The first
 * call of a fresh window goes whatever it
 * weighs (a heavy call must not starve), as the local governor does. Within
 * the margin either side of the window's end nothing is admitted, so every
 * call of a shared window reaches KuCoin within KuCoin's same window (the
 * margin must exceed the one-way latency to KuCoin) and the next shared
 * window starts with KuCoin's next one.
 */
export const RESERVE = `${NOW}
local weight = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local margin = tonumber(ARGV[4])
local keep = tonumber(ARGV[5])
local knownUsed = tonumber(ARGV[6])
local knownResetIn = tonumber(ARGV[7])
local chunk = tonumber(ARGV[8]) or 0
local creditKeep = tonumber(ARGV[9]) or keep
${READ}
local fresh = reset == nil
if knownResetIn > 0 then
  used = math.max(used, knownUsed)
  reset = math.max(reset or 0, now + knownResetIn)
  fresh = false
end
if fresh and weight == 0 and chunk > 0 then
  return {0, limit - used, 0, 0}
end
-- Near the window's end nothing goes: a call sent then may reach KuCoin in its next window,
-- which the next shared window would then count from zero. Margin before and after the end.
if not fresh and (used + weight > limit - keep or now >= reset - margin) then
  ${WRITE}
  return {0, limit - used, reset + margin - now, 0}
end
if reset == nil then reset = now + windowMs end
used = used + weight
local granted = 0
if chunk > 0 and now < reset - 2 * margin and used + chunk <= limit - creditKeep then
  granted = chunk
  used = used + chunk
end
${WRITE}
return {1, limit - used, reset + margin - now, granted}
`

/**
 * KEYS[1] the pool's hash. ARGV: limit (KuCoin's gw-ratelimit-limit, or the
 * replica's), remaining and resetIn (KuCoin's headers), windowMs, marginMs,
 * inFlight (weight this replica has sent that KuCoin may not have counted yet).
 * Raises `used` to KuCoin's count and moves `reset` to KuCoin's when it is
 * later; with no window in Redis (restarted, flushed) KuCoin's is adopted.
 */
export const SYNC = `${NOW}
local remaining = tonumber(ARGV[2])
local resetIn = tonumber(ARGV[3])
local windowMs = tonumber(ARGV[4])
local margin = tonumber(ARGV[5])
local inFlight = tonumber(ARGV[6])
${READ}
limit = tonumber(ARGV[1])
if resetIn <= 0 then return 0 end
local theirs = limit - remaining
if reset == nil then
  used = theirs + inFlight
  reset = now + resetIn
else
  used = math.max(used, theirs)
  reset = math.max(reset, now + resetIn)
end
redis.call('HSET', KEYS[1], 'limit', limit)
${WRITE}
return 1
`

/**
 * Presence: KEYS[1] a sorted set of replica ids scored by when they expire.
 * ARGV: this replica's id and ttlMs (0 leaves). Answers how many are alive.
 */
export const PRESENCE = `${NOW}
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl * 10)
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
`

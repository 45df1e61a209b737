/**
 * Decide-and-count for calls, atomically in Redis: one round trip for every call admitted in the same turn of
 * the gateway's event loop (3 keys and 8 arguments per call, in order; the reply is 6 numbers per call).
 * Each call is decided as if it ran alone: it runs the token bucket with exactly
 * the integer steps of `takeToken` (@keymeter/domain), then the fixed-window quotas, and writes only when the
 * call is admitted: a refused call consumes neither a token nor quota.
 *
 * KEYS: 1 token bucket hash {t: micro-tokens, u: updatedAt ms}, 2 requests-per-day counter,
 *       3 micro-credits-per-month counter (the key id as hash tag: one API key's counters share a cluster slot).
 * ARGV: 1 now ms, 2 perMs (0 = no rate limit), 3 capacity in micro-tokens, 4 requests/day limit (-1 = none),
 *       5 day window end ms, 6 month limit in micro-credits (-1 = none), 7 cost in micro-credits,
 *       8 month window end ms.
 * Returns { code (0 allowed, 1 rate limited, 2 quota exceeded), retryAfterMs, bucket remaining (-1 = none),
 *           bucket resetMs, requests used, micro-credits used }.
 *
 * Lua numbers are doubles: every value here is an integer below 2^53 (micro-credits up to 9,007,199,254
 * credits), so the arithmetic is exact. Numbers written back are formatted with %.0f, never %.14g.
 */
export const ADMIT_SCRIPT = `
local MICRO = 1000000
local function fmt(n) return string.format('%.0f', n) end

local function admit(KEYS, ARGV)
local now = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local dayLimit = tonumber(ARGV[4])
local dayEnd = tonumber(ARGV[5])
local monthLimit = tonumber(ARGV[6])
local cost = tonumber(ARGV[7])
local monthEnd = tonumber(ARGV[8])

local tokens = -1
local updated = now
local remaining = -1
local reset = -1
if perMs > 0 then
  local state = redis.call('HMGET', KEYS[1], 't', 'u')
  local t = tonumber(state[1])
  local u = tonumber(state[2])
  if t == nil or u == nil then
    tokens = capacity
  else
    tokens = math.min(capacity, math.max(0, t))
    updated = u
    local elapsed = now - updated
    if elapsed > 0 then
      local msToFull = math.ceil((capacity - tokens) / perMs)
      if elapsed >= msToFull then tokens = capacity else tokens = tokens + elapsed * perMs end
      updated = now
    end
  end
  if tokens < MICRO then
    -- Refill is linear, so not storing the refused state changes no later decision.
    return { 1, math.ceil((MICRO - tokens) / perMs), math.floor(tokens / MICRO),
             math.ceil((capacity - tokens) / perMs), -1, -1 }
  end
  remaining = math.floor((tokens - MICRO) / MICRO)
  reset = math.ceil((capacity - tokens + MICRO) / perMs)
end

local dayUsed = 0
if dayLimit >= 0 then dayUsed = tonumber(redis.call('GET', KEYS[2]) or '0') end
local monthUsed = 0
if monthLimit >= 0 then monthUsed = tonumber(redis.call('GET', KEYS[3]) or '0') end
local refused = false
local wait = 0
if dayLimit >= 0 and dayUsed + 1 > dayLimit then
  refused = true
  wait = math.max(wait, dayEnd - now)
end
if monthLimit >= 0 and monthUsed + cost > monthLimit then
  refused = true
  wait = math.max(wait, monthEnd - now)
end
if refused then
  -- The token was not taken: report the bucket as it stands.
  if perMs > 0 then
    remaining = math.floor(tokens / MICRO)
    reset = math.ceil((capacity - tokens) / perMs)
  end
  return { 2, wait, remaining, reset, dayUsed, monthUsed }
end

if perMs > 0 then
  tokens = tokens - MICRO
  redis.call('HSET', KEYS[1], 't', fmt(tokens), 'u', fmt(updated))
  -- A bucket that would be full again carries no information: let it expire then.
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
end
if dayLimit >= 0 then
  dayUsed = redis.call('INCR', KEYS[2])
  redis.call('PEXPIREAT', KEYS[2], fmt(dayEnd + 3600000))
end
if monthLimit >= 0 then
  monthUsed = redis.call('INCRBY', KEYS[3], fmt(cost))
  redis.call('PEXPIREAT', KEYS[3], fmt(monthEnd + 3600000))
end
return { 0, 0, remaining, reset, dayUsed, monthUsed }
end

-- Calls decided in one round trip, one after the other, each exactly as if it ran alone.
local out = {}
for call = 0, #KEYS / 3 - 1 do
  local reply = admit(
    { KEYS[3 * call + 1], KEYS[3 * call + 2], KEYS[3 * call + 3] },
    { ARGV[8 * call + 1], ARGV[8 * call + 2], ARGV[8 * call + 3], ARGV[8 * call + 4],
      ARGV[8 * call + 5], ARGV[8 * call + 6], ARGV[8 * call + 7], ARGV[8 * call + 8] })
  for field = 1, 6 do out[6 * call + field] = reply[field] end
end
return out
`;

import { BUCKET_LUA, LEASES_LUA } from './lease-script';

/**
 * Decide-and-count for calls, atomically in Redis: one round trip for every call admitted in the same turn of
 * the gateway's event loop (4 keys and 10 arguments per call, in order; the reply is 6 numbers per call).
 * Each call is decided as if it ran alone: it runs the token bucket with exactly
 * the integer steps of `takeToken` (@keymeter/domain), then the fixed-window quotas, and writes only when the
 * call is admitted: a refused call consumes neither a token nor quota.
 *
 * Quota units held by gateways as allowance leases (`LEASE_SCRIPT`, the hash in KEYS 4) count as used: a call
 * passes only if counter + live leases + this call fit the limit. A call refused only because of leases is told
 * to retry when the first of them expires (leases live well under a second), not at the window's end.
 *
 * KEYS: 1 token bucket hash {t: micro-tokens, u: updatedAt ms}, 2 requests-per-day counter,
 *       3 micro-credits-per-month counter, 4 quota lease hash (the key id as hash tag: one API key's counters
 *       share a cluster slot).
 * ARGV: 1 now ms, 2 perMs (0 = no rate limit), 3 capacity in micro-tokens, 4 requests/day limit (-1 = none),
 *       5 day window end ms, 6 month limit in micro-credits (-1 = none), 7 cost in micro-credits,
 *       8 month window end ms, 9 day window start ms, 10 month window start ms.
 * Returns { code (0 allowed, 1 rate limited, 2 quota exceeded), retryAfterMs, bucket remaining (-1 = none),
 *           bucket resetMs, requests used, micro-credits used } (used includes units leased to gateways).
 *
 * Lua numbers are doubles: every value here is an integer below 2^53 (micro-credits up to 9,007,199,254
 * credits), so the arithmetic is exact. Numbers written back are formatted with %.0f, never %.14g.
 */
export const ADMIT_SCRIPT = `
local MICRO = 1000000
local function fmt(n) return string.format('%.0f', n) end
${BUCKET_LUA}
${LEASES_LUA}

local function admit(KEYS, ARGV)
local now = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local dayLimit = tonumber(ARGV[4])
local dayEnd = tonumber(ARGV[5])
local monthLimit = tonumber(ARGV[6])
local cost = tonumber(ARGV[7])
local monthEnd = tonumber(ARGV[8])
local dayStart = tonumber(ARGV[9])
local monthStart = tonumber(ARGV[10])

local tokens = -1
local updated = now
local remaining = -1
local reset = -1
if perMs > 0 then
  tokens, updated = refilledBucket(KEYS[1], now, perMs, capacity)
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
local dayLeased, monthLeased, leaseEnd = 0, 0, now
if dayLimit >= 0 or monthLimit >= 0 then
  dayLeased, monthLeased, leaseEnd = leasedUnits(KEYS[4], '', now, dayStart, monthStart)
end
local refused = false
local wait = 0
if dayLimit >= 0 and dayUsed + dayLeased + 1 > dayLimit then
  refused = true
  if dayUsed + 1 > dayLimit then wait = math.max(wait, dayEnd - now) else wait = math.max(wait, leaseEnd - now) end
end
if monthLimit >= 0 and monthUsed + monthLeased + cost > monthLimit then
  refused = true
  if monthUsed + cost > monthLimit then
    wait = math.max(wait, monthEnd - now)
  else
    wait = math.max(wait, leaseEnd - now)
  end
end
if refused then
  -- The token was not taken: report the bucket as it stands.
  if perMs > 0 then
    remaining = math.floor(tokens / MICRO)
    reset = math.ceil((capacity - tokens) / perMs)
  end
  return { 2, wait, remaining, reset, dayUsed + dayLeased, monthUsed + monthLeased }
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
return { 0, 0, remaining, reset, dayUsed + dayLeased, monthUsed + monthLeased }
end

-- Calls decided in one round trip, one after the other, each exactly as if it ran alone.
local out = {}
for call = 0, #KEYS / 4 - 1 do
  local reply = admit(
    { KEYS[4 * call + 1], KEYS[4 * call + 2], KEYS[4 * call + 3], KEYS[4 * call + 4] },
    { ARGV[10 * call + 1], ARGV[10 * call + 2], ARGV[10 * call + 3], ARGV[10 * call + 4],
      ARGV[10 * call + 5], ARGV[10 * call + 6], ARGV[10 * call + 7], ARGV[10 * call + 8],
      ARGV[10 * call + 9], ARGV[10 * call + 10] })
  for field = 1, 6 do out[6 * call + field] = reply[field] end
end
return out
`;

/**
 * Quota units a key's gateways hold as allowance leases, summed in Lua (shared by `ADMIT_SCRIPT` and
 * `LEASE_SCRIPT`). The lease hash has one field per gateway instance:
 * `<dayStart>:<requests>:<monthStart>:<micro-credits>:<expiresAtMs>`. Leases of other windows count nothing;
 * expired ones are deleted. Returns requests leased, micro-credits leased, and the earliest expiry among the
 * live leases (`now` when there is none).
 */
export const LEASES_LUA = `
local function leasedUnits(hash, skip, now, dayStart, monthStart)
  local day, month, soonest = 0, 0, -1
  local fields = redis.call('HGETALL', hash)
  for i = 1, #fields, 2 do
    if fields[i] ~= skip then
      local ds, du, ms, mu, ex = string.match(fields[i + 1], '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
      ex = tonumber(ex)
      if ex == nil or ex <= now then
        redis.call('HDEL', hash, fields[i])
      else
        if tonumber(ds) == dayStart then day = day + tonumber(du) end
        if tonumber(ms) == monthStart then month = month + tonumber(mu) end
        if soonest < 0 or ex < soonest then soonest = ex end
      end
    end
  end
  if soonest < 0 then soonest = now end
  return day, month, soonest
end
`;

/**
 * The token bucket's state now, in Lua (shared by `ADMIT_SCRIPT` and `LEASE_SCRIPT`): micro-tokens after the
 * linear refill since the last write (at most `capacity`; a new bucket is full) and the time that state is for.
 * Integer steps as in `takeToken` (@keymeter/domain).
 */
export const BUCKET_LUA = `
local function refilledBucket(hash, now, perMs, capacity)
  local state = redis.call('HMGET', hash, 't', 'u')
  local t = tonumber(state[1])
  local u = tonumber(state[2])
  if t == nil or u == nil then return capacity, now end
  local tokens = math.min(capacity, math.max(0, t))
  local elapsed = now - u
  if elapsed <= 0 then return tokens, u end
  local msToFull = math.ceil((capacity - tokens) / perMs)
  if elapsed >= msToFull then return capacity, now end
  return tokens + elapsed * perMs, now
end
`;

/**
 * Allowance leases, atomically in Redis: one run for every lease a gateway renews or returns in one turn of
 * its event loop (6 keys and 20 arguments per lease, in order; the reply is 6 numbers per lease). For each:
 *
 * 1. the requests and micro-credits the gateway admitted from its previous lease are added to the counters of
 *    that lease's windows (KEYS 2, 3), and its unspent tokens go back into the bucket (capped at capacity);
 * 2. a new block is granted: at most what was asked for and at most **half** of what is left — tokens in the
 *    bucket after refill, requests and micro-credits not counted and not leased to another instance. A block
 *    smaller than 4 tokens or requests (or than `minMonth` micro-credits) is not worth a lease: then nothing at
 *    all is granted and the gateway decides the key's calls one by one (near a limit every call comes here);
 * 3. the tokens are taken from the bucket (they are spent as far as every other gateway is concerned); quota
 *    units are written as this instance's field of the lease hash (KEYS 6) with their expiry, so they count as
 *    used for every other gateway until returned or expired — a gateway that stops or dies holds nothing for
 *    longer than a lease's life.
 *
 * KEYS: 1 token bucket, 2 requests counter and 3 micro-credits counter of the previous lease's windows,
 *       4 requests counter and 5 micro-credits counter of the current windows, 6 lease hash.
 * ARGV: 1 now ms, 2 perMs (0 = no rate limit), 3 capacity in micro-tokens, 4 requests/day limit (-1 = none),
 *       5 day start ms, 6 day end ms, 7 month limit in micro-credits (-1 = none), 8 month start ms, 9 month end
 *       ms, 10 instance id, 11 tokens returned, 12 requests admitted from the previous lease, 13 its day end,
 *       14 micro-credits admitted from it, 15 its month end, 16 tokens wanted, 17 requests wanted,
 *       18 micro-credits wanted, 19 smallest useful micro-credit block, 20 lease expiry ms.
 * Returns { tokens granted, requests granted, micro-credits granted, bucket micro-tokens after the grant
 *           (-1 = no rate limit), requests used, micro-credits used } (used: counted plus leased to others).
 */
export const LEASE_SCRIPT = `
local MICRO = 1000000
local MIN_BLOCK = 4
local SLACK = 3600000
local function fmt(n) return string.format('%.0f', n) end
${BUCKET_LUA}
${LEASES_LUA}

local function lease(KEYS, ARGV)
local now = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local dayLimit = tonumber(ARGV[4])
local dayStart = tonumber(ARGV[5])
local monthLimit = tonumber(ARGV[7])
local monthStart = tonumber(ARGV[8])
local instance = ARGV[10]
local returned = tonumber(ARGV[11])
local reportDay = tonumber(ARGV[12])
local reportMonth = tonumber(ARGV[14])
local wantTokens = tonumber(ARGV[16])
local wantDay = tonumber(ARGV[17])
local wantMonth = tonumber(ARGV[18])
local minMonth = tonumber(ARGV[19])
local expires = tonumber(ARGV[20])

if reportDay ~= 0 then
  redis.call('INCRBY', KEYS[2], fmt(reportDay))
  redis.call('PEXPIREAT', KEYS[2], fmt(tonumber(ARGV[13]) + SLACK))
end
if reportMonth ~= 0 then
  redis.call('INCRBY', KEYS[3], fmt(reportMonth))
  redis.call('PEXPIREAT', KEYS[3], fmt(tonumber(ARGV[15]) + SLACK))
end

local tokens = -1
local updated = now
if perMs > 0 then
  tokens, updated = refilledBucket(KEYS[1], now, perMs, capacity)
  tokens = math.min(capacity, tokens + returned * MICRO)
end

local dayUsed, monthUsed, dayLeased, monthLeased = 0, 0, 0, 0
if dayLimit >= 0 then dayUsed = tonumber(redis.call('GET', KEYS[4]) or '0') end
if monthLimit >= 0 then monthUsed = tonumber(redis.call('GET', KEYS[5]) or '0') end
if dayLimit >= 0 or monthLimit >= 0 then
  dayLeased, monthLeased = leasedUnits(KEYS[6], instance, now, dayStart, monthStart)
end
dayUsed = dayUsed + dayLeased
monthUsed = monthUsed + monthLeased

local grantTokens, grantDay, grantMonth = 0, 0, 0
local useful = wantTokens > 0 or wantDay > 0 or wantMonth > 0
if perMs > 0 and wantTokens > 0 then
  grantTokens = math.min(wantTokens, math.floor(math.floor(tokens / MICRO) / 2))
  if grantTokens < MIN_BLOCK then useful = false end
end
if dayLimit >= 0 and wantDay > 0 then
  grantDay = math.min(wantDay, math.floor((dayLimit - dayUsed) / 2))
  if grantDay < MIN_BLOCK then useful = false end
end
if monthLimit >= 0 and wantMonth > 0 then
  grantMonth = math.min(wantMonth, math.floor((monthLimit - monthUsed) / 2))
  if grantMonth < minMonth or grantMonth <= 0 then useful = false end
end
if not useful then grantTokens, grantDay, grantMonth = 0, 0, 0 end

if perMs > 0 and (grantTokens > 0 or returned > 0) then
  tokens = tokens - grantTokens * MICRO
  redis.call('HSET', KEYS[1], 't', fmt(tokens), 'u', fmt(updated))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
end
if grantDay > 0 or grantMonth > 0 then
  redis.call('HSET', KEYS[6], instance,
    fmt(dayStart) .. ':' .. fmt(grantDay) .. ':' .. fmt(monthStart) .. ':' .. fmt(grantMonth) .. ':' .. fmt(expires))
  -- Every lease lives at most a few lease lives: the hash outlives the newest one.
  redis.call('PEXPIRE', KEYS[6], math.max(1, expires - now) * 4 + 1000)
else
  redis.call('HDEL', KEYS[6], instance)
end
return { grantTokens, grantDay, grantMonth, tokens, dayUsed, monthUsed }
end

local out = {}
for entry = 0, #KEYS / 6 - 1 do
  local keys = {}
  for k = 1, 6 do keys[k] = KEYS[6 * entry + k] end
  local args = {}
  for a = 1, 20 do args[a] = ARGV[20 * entry + a] end
  local reply = lease(keys, args)
  for field = 1, 6 do out[6 * entry + field] = reply[field] end
end
return out
`;

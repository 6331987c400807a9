"""The Lua scripts behind ``RedisCounters``: each read-modify-write runs atomically.

Redis runs a script without interleaving any other command, so "keep the later
deadline" and "count within the window" cannot race between issuer instances. Times
arrive as the ``repr`` of a Python float and are compared as doubles (``tonumber``),
so they round-trip exactly. Expiries set here are garbage collection only: values are
always compared with the ``now`` the caller passes, never with the server's clock.
"""

from __future__ import annotations

__all__ = ["GC_MARGIN", "MAX_TTL", "REGISTER_FAILURE", "RELEASE", "RESERVE_ATTEMPT", "SET_MAX"]

GC_MARGIN = 86_400
"""Seconds an entry outlives its deadline before Redis may drop it (tolerates clock skew
between the issuers and the Redis server)."""

MAX_TTL = 10 * 365 * 86_400
"""Deadlines further away than this keep their key without any expiry."""

# KEYS[1] the entry; ARGV[1] the deadline (float repr), ARGV[2] GC_MARGIN, ARGV[3] MAX_TTL.
# Stores ARGV[1] unless the entry already holds a later or equal deadline; returns 1 if
# it wrote. The TTL is measured from the server's own clock (TIME) because the caller
# passes no "now" here; it only decides when Redis may forget the key.
SET_MAX = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local current = tonumber(redis.call('GET', KEYS[1]) or '')
local deadline = tonumber(ARGV[1])
if current and current >= deadline then
  return 0
end
local server_now = tonumber(redis.call('TIME')[1])
local ttl = math.max(math.ceil(deadline - server_now), 1) + tonumber(ARGV[2])
if ttl > tonumber(ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
end
return 1
"""

# KEYS[1] the counter hash {n, start}; ARGV[1] now, ARGV[2] window (float reprs),
# ARGV[3] the GC TTL in whole seconds. Starts a new window at 1 when there is no
# counter or the window has passed; otherwise adds one. Returns the count.
REGISTER_FAILURE = """
local fields = redis.call('HMGET', KEYS[1], 'n', 'start')
local now = tonumber(ARGV[1])
local start = tonumber(fields[2] or '')
local count
if (not fields[1]) or (not start) or (now - start >= tonumber(ARGV[2])) then
  redis.call('HSET', KEYS[1], 'n', 1, 'start', ARGV[1])
  count = 1
else
  count = redis.call('HINCRBY', KEYS[1], 'n', 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return count
"""

# KEYS[1] the counter hash {n, start}, KEYS[2] the lock; ARGV[1] now, ARGV[2] window
# (float reprs), ARGV[3] the counter's GC TTL, ARGV[4] GC_MARGIN, ARGV[5] MAX_TTL,
# ARGV[6..] the lock schedule (seconds after the 1st, 2nd, … attempt; the last one
# repeats). A lock in force refuses without counting: {0, count, lock}. Otherwise
# counts as REGISTER_FAILURE does, sets the lock the count earns (never shorter), and
# answers {1, count, lock or ''}. Deadlines go back as strings: Lua numbers would be
# truncated to integers in the reply.
RESERVE_ATTEMPT = """
local now = tonumber(ARGV[1])
local held = redis.call('GET', KEYS[2])
local fields = redis.call('HMGET', KEYS[1], 'n', 'start')
local count = tonumber(fields[1] or '') or 0
if held and tonumber(held) > now then
  return {0, count, held}
end
local start = tonumber(fields[2] or '')
if count == 0 or (not start) or (now - start >= tonumber(ARGV[2])) then
  redis.call('HSET', KEYS[1], 'n', 1, 'start', ARGV[1])
  count = 1
else
  count = redis.call('HINCRBY', KEYS[1], 'n', 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local steps = #ARGV - 5
if steps < 1 then
  return {1, count, ''}
end
local delay = tonumber(ARGV[5 + math.min(count, steps)])
if delay <= 0 then
  return {1, count, ''}
end
local deadline = now + delay
local text = string.format('%.17g', deadline)
local ttl = math.ceil(delay) + tonumber(ARGV[4])
if ttl > tonumber(ARGV[5]) then
  redis.call('SET', KEYS[2], text)
else
  redis.call('SET', KEYS[2], text, 'EX', ttl)
end
return {1, count, text}
"""

# KEYS[1] the counter hash; ARGV[1] now, ARGV[2] window. Gives one attempt back while
# the window it was counted in still runs; never below zero.
RELEASE = """
local fields = redis.call('HMGET', KEYS[1], 'n', 'start')
local count = tonumber(fields[1] or '') or 0
local start = tonumber(fields[2] or '')
if count > 0 and start and tonumber(ARGV[1]) - start < tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
end
return 0
"""

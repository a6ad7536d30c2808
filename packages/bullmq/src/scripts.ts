import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// The journal's writes, each one Lua script so Redis runs it whole, between any two other
// commands. The rules (which state may follow which, what a resume must match) are checked in
// TypeScript by @switchyard/core; a script only compares what was read with what is there now
// and writes if nothing changed (compare-and-set), so two racing writers cannot both win.

/**
 * Every write starts here: KEYS[1] is the batch's lease, ARGV[1] this holder, ARGV[2] the
 * lease's time to live in ms. Another holder's lease refuses the write (`lost`, with who holds
 * it); this holder's lease is kept alive, or taken again when it lapsed and no one took it (no one
 * else can have written meanwhile, since every write needs the lease).
 */
const GUARD = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return {'lost', held} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
`;

/** A Lua script, sent by its SHA-1 and once in full when Redis does not know it (after a restart). */
export class Script {
  readonly #body: string;
  readonly #sha: string;

  constructor(body: string) {
    this.#body = body;
    this.#sha = createHash('sha1').update(body).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#body, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Takes or renews a lease: KEYS lease; ARGV holder, ttl, and optionally a prefix of holder values
 * that count as this holder's (an earlier life of it, such as the same node before a restart).
 * A lease that is free, this holder's, or held by a value with that prefix is set to this holder
 * for the time to live (`ok`); another holder's refuses it (`lost`, with who holds it).
 */
export const RENEW = new Script(`
local held = redis.call('GET', KEYS[1])
local mine = ARGV[3] and ARGV[3] ~= '' and held and string.sub(held, 1, #ARGV[3]) == ARGV[3]
if held and held ~= ARGV[1] and not mine then return {'lost', held} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok'}
`);

/** Drops the lease if this holder has it: KEYS lease; ARGV holder. */
export const RELEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'ok'}
`);

/**
 * Creates or resumes a batch and takes its lease (or joins it, when it is held under the same
 * value: a shared open).
 * KEYS lease, batch, batches; ARGV holder, ttl, id, kind, content, now, then the counter fields.
 * Returns `held` (with the holder), `differs` (with the stored kind and content), `resumed` or `created`.
 */
export const OPEN = new Script(`
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return {'held', held} end
local stored = redis.call('HMGET', KEYS[2], 'kind', 'content')
if stored[1] then
  if stored[1] ~= ARGV[4] or stored[2] ~= ARGV[5] then return {'differs', stored[1], stored[2]} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'resumed'}
end
redis.call('HSET', KEYS[2], 'kind', ARGV[4], 'content', ARGV[5], 'createdAt', ARGV[6], 'updatedAt', ARGV[6],
  'sourceDone', '0', 'total', '0')
for i = 7, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], '0') end
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'created'}
`);

/**
 * Reads items by key: KEYS keys, items, batch; ARGV the item keys. Returns the batch's total,
 * then for each key its position and row, or false and false.
 */
export const READ_KEYS = new Script(`
local out = {redis.call('HGET', KEYS[3], 'total')}
for i = 1, #ARGV do
  local seq = redis.call('HGET', KEYS[1], ARGV[i])
  out[#out + 1] = seq
  out[#out + 1] = seq and redis.call('HGET', KEYS[2], seq)
end
return out
`);

/**
 * Records new items, at the next positions, when none of their keys is recorded yet (else
 * `changed`: read again). Returns `ok` and the first position given.
 * KEYS lease, batch, items, keys; ARGV holder, ttl, now, then key and row for each item.
 */
export const ADD = new Script(`${GUARD}
for i = 4, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[4], ARGV[i]) == 1 then return {'changed'} end
end
local first = tonumber(redis.call('HGET', KEYS[2], 'total'))
if not first then return {'gone'} end
local n = 0
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[4], ARGV[i], first + n)
  redis.call('HSET', KEYS[3], first + n, ARGV[i + 1])
  n = n + 1
end
redis.call('HINCRBY', KEYS[2], 'total', n)
redis.call('HINCRBY', KEYS[2], 'pending', n)
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[3])
return {'ok', first}
`);

/**
 * Writes an item's new row when its row is still the one read (else `changed`: read again), and
 * moves one count from its old state to its new one. A row that is already the new one (its
 * state and this write's time) is this very write run before: its answer was lost with the
 * connection and the client sent it again (ioredis does, or a NOSCRIPT after a restart does).
 * That is `ok` with nothing changed, not another writer's change: a compare-and-set refused by
 * its own first run would fail an item that nothing else touched.
 * KEYS lease, batch, items; ARGV holder, ttl, seq, row read, new row, from, to, now.
 */
export const TRANSITION = new Script(`${GUARD}
local row = redis.call('HGET', KEYS[3], ARGV[3])
if row == ARGV[5] then return {'ok'} end
if row ~= ARGV[4] then return {'changed'} end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
if ARGV[6] ~= ARGV[7] then
  redis.call('HINCRBY', KEYS[2], ARGV[6], -1)
  redis.call('HINCRBY', KEYS[2], ARGV[7], 1)
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[8])
return {'ok'}
`);

/** Sets one field of a hash and marks the batch updated: KEYS lease, batch, hash; ARGV holder, ttl, now, field, value. */
/** KEYS[3] a hash, ARGV[4] a field, ARGV[5] a value: set it unless the field is there; `{'ok', value held}`. */
export const CLAIM_FIELD = new Script(`${GUARD}
if redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[5]) == 1 then
  redis.call('HSET', KEYS[2], 'updatedAt', ARGV[3])
end
return {'ok', redis.call('HGET', KEYS[3], ARGV[4])}
`);

export const SET_FIELD = new Script(`${GUARD}
redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[3])
return {'ok'}
`);

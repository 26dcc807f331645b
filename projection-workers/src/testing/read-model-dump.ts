import { Redis } from 'ioredis';
import type pg from 'pg';

/** The read tables, with the columns that are not projected facts (local clocks, local sequences). */
const TABLES: Record<string, readonly string[]> = {
  users: ['created_at', 'updated_at'],
  meetings: ['created_at', 'updated_at'],
  meeting_participants: ['created_at', 'updated_at'],
  meeting_invitations: ['created_at', 'updated_at'],
  meeting_bans: ['created_at', 'updated_at'],
  meeting_rooms: ['created_at', 'updated_at'],
  meeting_recordings: ['created_at', 'updated_at'],
  media_streams: ['created_at', 'updated_at'],
  signaling_messages: ['created_at', 'updated_at'],
  // created_at is the event's time here; projected_at the local clock's.
  operation_logs: ['id', 'projected_at', 'updated_at'],
};

/** Every projected row of every read table, in a stable order, for comparing two databases. */
export async function dumpTables(pool: pg.Pool): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const [table, skip] of Object.entries(TABLES)) {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
    dump[table] = rows
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row)
              .filter(([c]) => !skip.includes(c))
              .sort(),
          ),
        ),
      )
      .sort();
  }
  return dump;
}

/**
 * Every Redis key under a prefix with its value (hashes as sorted objects, lists in order), the
 * prefix removed; projection checkpoints and generation markers are left out.
 */
export async function dumpRedis(url: string, prefix: string): Promise<Record<string, unknown>> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    const dump: Record<string, unknown> = {};
    for (const key of keys.sort()) {
      const name = key.slice(prefix.length);
      // Where a projection stands and its random generation are not read-model content.
      if (name.startsWith('projection-checkpoint:') || name.startsWith('projection-generation:')) continue;
      const type = await redis.type(key);
      if (type === 'hash') dump[name] = Object.fromEntries(Object.entries(await redis.hgetall(key)).sort());
      else if (type === 'list') dump[name] = await redis.lrange(key, 0, -1);
      else if (type === 'string') dump[name] = await redis.get(key);
      else if (type === 'set') dump[name] = (await redis.smembers(key)).sort();
      else dump[name] = `<${type}>`;
    }
    return dump;
  } finally {
    redis.disconnect();
  }
}

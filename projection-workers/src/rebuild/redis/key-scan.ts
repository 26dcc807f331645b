import type { Redis } from 'ioredis';

const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * The names, relative to `keyPrefix`, of every key under `keyPrefix` starting with one of
 * `starts`. SCAN's MATCH is not prefixed by ioredis, so the pattern is spelled out in full (the
 * prefix escaped, it is not a pattern). SCAN may repeat a key: the answer is a set.
 */
export async function scanKeys(
  redis: Redis,
  keyPrefix: string,
  starts: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const start of starts) {
    const pattern = `${(keyPrefix + start).replace(GLOB_SPECIAL, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
      for (const key of keys) found.add(key.slice(keyPrefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { rebuildRedisProjection } from './rebuild-redis-projection.js';

/*
 * One room-cache rebuild in a process of its own, each progress printed as a JSON line: the
 * rebuild test SIGKILLs it mid-build. Arguments: the database URL, the Redis URL, the key prefix.
 */
const [databaseUrl, redisUrl, keyPrefix] = process.argv.slice(2) as [string, string, string];
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const redis = new Redis(redisUrl, { keyPrefix });
const deps = {
  pool,
  redis,
  keyPrefix,
  logger: pino({ level: 'silent' }),
  batchSize: 100,
  notifyMaxAgeSeconds: 600,
};
const result = await rebuildRedisProjection(deps, 'room-cache', {
  progressEveryMs: 10,
  onProgress: (progress) => console.log(JSON.stringify(progress)),
});
console.log(JSON.stringify(result));
redis.disconnect();
await pool.end();

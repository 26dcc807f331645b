import type { Redis } from 'ioredis';

/**
 * A Lua script as a command of this client, defined on first use (ioredis keeps it per client and
 * runs it with EVALSHA, falling back to EVAL when the server lost the script, e.g. a restart).
 */
export function scriptCommand<F extends (...args: never[]) => Promise<unknown>>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): F {
  const commands = redis as unknown as Record<string, F | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { numberOfKeys, lua });
  const command = commands[name];
  if (!command) throw new Error(`ioredis did not define ${name}`);
  return command.bind(redis) as F;
}

import { NOTIFICATION_QUEUE_KEY } from '@meetings/events';
import type { Redis } from 'ioredis';

export const PROCESSING_KEY_PREFIX = `${NOTIFICATION_QUEUE_KEY}:processing:`;
export const RETRY_KEY = `${NOTIFICATION_QUEUE_KEY}:retry`;
export const DEAD_KEY = `${NOTIFICATION_QUEUE_KEY}:dead`;
export const WORKERS_KEY = `${NOTIFICATION_QUEUE_KEY}:workers`;
export const HEARTBEAT_KEY_PREFIX = `${NOTIFICATION_QUEUE_KEY}:worker:`;

/** Moves an entry out of a processing list and into another key, or nothing if it is not there. */
const MOVE_OUT = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if ARGV[3] == '' then redis.call('LPUSH', KEYS[2], ARGV[2])
else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
return 1`;

/** Puts a worker's unfinished jobs back at the consuming end, oldest served first. */
const REQUEUE = `
if ARGV[2] ~= 'force' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local n = 0
while redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT') do n = n + 1 end
if ARGV[2] ~= 'force' then redis.call('SREM', KEYS[4], ARGV[1]) end
return n`;

/** Retries whose time has come go to the back of the queue. */
const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('LPUSH', KEYS[2], job)
end
return #due`;

/**
 * `queue:notifications` consumed reliably. A job is moved atomically (BLMOVE) from the queue into
 * this worker's own processing list and leaves it only once handled: acknowledged (LREM), put in
 * the retry set `queue:notifications:retry` (sorted by when it is due) or in the dead list
 * `queue:notifications:dead`, each move one script. A worker that dies keeps its jobs in its
 * processing list; its heartbeat key expires, and a live worker's sweep puts them back in the
 * queue. So a job may be sent twice (the sender died after the send, before the LREM), never lost.
 * Every key is passed as a key, so the client's prefix applies.
 */
export class RedisJobQueue {
  private readonly processingKey: string;
  private readonly heartbeatKey: string;

  /** `blocking` only waits on the queue: a blocked connection can serve nothing else. */
  constructor(
    private readonly redis: Redis,
    private readonly blocking: Redis,
    readonly workerId: string,
    private readonly heartbeatTtlMs: number,
  ) {
    this.processingKey = PROCESSING_KEY_PREFIX + workerId;
    this.heartbeatKey = HEARTBEAT_KEY_PREFIX + workerId;
  }

  /** Announces (or confirms) that this worker is alive, for heartbeatTtlMs. */
  async heartbeat(): Promise<void> {
    await this.redis
      .multi()
      .set(this.heartbeatKey, String(Date.now()), 'PX', this.heartbeatTtlMs)
      .sadd(WORKERS_KEY, this.workerId)
      .exec();
  }

  /** The oldest job, moved into this worker's processing list; null after `timeoutSeconds`. */
  take(timeoutSeconds: number): Promise<string | null> {
    return this.blocking.blmove(NOTIFICATION_QUEUE_KEY, this.processingKey, 'RIGHT', 'LEFT', timeoutSeconds);
  }

  async ack(raw: string): Promise<void> {
    await this.redis.lrem(this.processingKey, 1, raw);
  }

  async retryAt(raw: string, next: string, dueAt: number): Promise<void> {
    await this.redis.eval(MOVE_OUT, 2, this.processingKey, RETRY_KEY, raw, next, dueAt);
  }

  async bury(raw: string, dead: string): Promise<void> {
    await this.redis.eval(MOVE_OUT, 2, this.processingKey, DEAD_KEY, raw, dead, '');
  }

  /** Moves retries due by `now` back into the queue; how many. */
  async promoteDue(now: number): Promise<number> {
    return (await this.redis.eval(PROMOTE, 2, RETRY_KEY, NOTIFICATION_QUEUE_KEY, now)) as number;
  }

  /** Takes back the jobs of workers whose heartbeat expired; how many. */
  async recoverDeadWorkers(): Promise<number> {
    let recovered = 0;
    for (const id of await this.redis.smembers(WORKERS_KEY)) {
      if (id === this.workerId) continue;
      const n = (await this.requeue(id, false)) as number;
      if (n > 0) recovered += n;
    }
    return recovered;
  }

  /** Puts this worker's own unfinished jobs back (after a failure that left one, or at stop). */
  async requeueOwn(): Promise<number> {
    return (await this.requeue(this.workerId, true)) as number;
  }

  /** Leaves: nothing of this worker stays behind. */
  async deregister(): Promise<void> {
    await this.requeueOwn();
    await this.redis.multi().del(this.heartbeatKey).srem(WORKERS_KEY, this.workerId).exec();
  }

  private requeue(id: string, force: boolean): Promise<unknown> {
    return this.redis.eval(
      REQUEUE,
      4,
      HEARTBEAT_KEY_PREFIX + id,
      PROCESSING_KEY_PREFIX + id,
      NOTIFICATION_QUEUE_KEY,
      WORKERS_KEY,
      id,
      force ? 'force' : '',
    );
  }
}

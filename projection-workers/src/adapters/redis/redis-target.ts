import { formatCheckpoint, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Redis } from 'ioredis';
import type { ProjectionTarget } from '../../ports/checkpoint-store.js';

/**
 * Redis has no transaction spanning the projector's scripts and the checkpoint, so the checkpoint
 * is written after the effects: a crash in between replays a batch, which the projector's version
 * guards turn into no-ops.
 */
export class RedisTarget implements ProjectionTarget<Redis> {
  constructor(private readonly redis: Redis) {}

  unitOfWork<T>(work: (tx: Redis) => Promise<T>): Promise<T> {
    return work(this.redis);
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    const text = await this.redis.get(`projection-checkpoint:${projection}`);
    return text ? parseCheckpoint(text) : null;
  }

  async saveCheckpoint(tx: Redis, projection: string, checkpoint: Checkpoint): Promise<void> {
    await tx.set(`projection-checkpoint:${projection}`, formatCheckpoint(checkpoint));
  }

  moveCheckpoint(projection: string, checkpoint: Checkpoint): Promise<void> {
    return this.saveCheckpoint(this.redis, projection, checkpoint);
  }
}

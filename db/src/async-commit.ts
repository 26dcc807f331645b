import type pg from 'pg';

/**
 * Pool options for writes whose loss in a crash harms nobody: a commit returns before its WAL
 * record is flushed. A crash may lose the last such commits but never reorders them (WAL is
 * sequential, and each synchronous commit, such as an append, flushes all before it). Used for
 * the relay's checkpoint (a lost one republishes what Kafka already has) and idempotency claims (a
 * claim lost in a crash also lost the connection holding it). Event appends, read models and
 * idempotency answers never use it.
 */
export const ASYNC_COMMIT: Pick<pg.PoolConfig, 'options'> = { options: '-c synchronous_commit=off' };

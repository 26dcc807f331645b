import type pg from 'pg';

/**
 * Pool options for writes the event log can always reproduce (read models and their checkpoints,
 * idempotency records): a commit returns before its WAL record is flushed. A crash may lose the
 * last such commits but never reorders them (WAL is sequential, and each synchronous commit, such
 * as an append, flushes all before it), and whatever was lost is redone from the log. A shorter
 * commit also ends the writing transaction sooner, and global-log readers wait for every older
 * transaction to end. Event appends never use it.
 */
export const ASYNC_COMMIT: Pick<pg.PoolConfig, 'options'> = { options: '-c synchronous_commit=off' };

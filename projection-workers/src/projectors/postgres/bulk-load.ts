import type { ClientBase } from 'pg';

/**
 * Transactions of a bulk load: the first run of a projector over the log into tables of its own
 * (a blue/green generation being built). There, no one else writes, each event applies once, and
 * a row the batch did not find by its key cannot exist, so new rows may be COPYed straight into
 * their table instead of going through a staging table and an upsert. Should that ever be wrong,
 * the COPY fails on the key, the batch rolls back and the runner applies its events one at a time,
 * through the upsert.
 */
const bulkLoading = new WeakSet<ClientBase>();

export async function whileBulkLoading<T>(tx: ClientBase, work: (tx: ClientBase) => Promise<T>): Promise<T> {
  bulkLoading.add(tx);
  try {
    return await work(tx);
  } finally {
    bulkLoading.delete(tx);
  }
}

export const isBulkLoading = (tx: ClientBase): boolean => bulkLoading.has(tx);

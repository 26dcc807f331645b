import { ETCD_ROOT } from '@meetings/db';
import { formatCheckpoint, parseCheckpoint } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Etcd3, IOperation } from 'etcd3';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import type { ProjectionTarget, TargetRun } from '../../ports/checkpoint-store.js';

/**
 * What an etcd projector writes through: the value each key should have once the batch is
 * applied (null: no key). Only the latest counts, so a batch that sets a key three times writes it
 * once, and the whole batch fits one transaction more often.
 */
export class EtcdWrites {
  private readonly latest = new Map<string, string | null>();

  put(key: string, value: string): void {
    this.latest.set(key, value);
  }

  delete(key: string): void {
    this.latest.set(key, null);
  }

  entries(): [string, string | null][] {
    return [...this.latest];
  }
}

export const etcdCheckpointKey = (projection: string) => `${ETCD_ROOT}/projections/${projection}/checkpoint`;

/**
 * etcd's own limits on one transaction: `--max-txn-ops` (128 by default) and the request size
 * (`--max-request-bytes`, 1.5 MiB by default), with room left for the checkpoint and framing.
 */
const MAX_OPS = 127;
const MAX_BYTES = 1024 * 1024;

/**
 * An etcd key range that one projection owns: its effects and its checkpoint (under
 * `/meeting-system/projections/<name>/`) commit in one transaction, guarded on the checkpoint
 * key's revision being the one the run last wrote, so effects are applied exactly once and a
 * second runner, or one from before a rebuild, writes nothing. Starting without a checkpoint (the
 * first run, or a rebuild after the checkpoint key was deleted) empties `ownedPrefix` first, so
 * that the range then holds exactly what the log says.
 */
export class EtcdTarget implements ProjectionTarget<EtcdWrites> {
  constructor(
    private readonly client: Etcd3,
    private readonly ownedPrefix: string,
  ) {}

  async open(projection: string): Promise<TargetRun<EtcdWrites>> {
    const key = etcdCheckpointKey(projection);
    for (;;) {
      const stored = await this.client.get(key).exec();
      const kv = stored.kvs[0];
      if (kv) {
        const checkpoint = parseCheckpoint(kv.value.toString());
        return new EtcdRun(this.client, projection, checkpoint, kv.mod_revision);
      }
      const wiped = await this.client
        .if(key, 'Create', '==', 0)
        .then(this.client.delete().prefix(this.ownedPrefix))
        .commit();
      // Lost to a run that wrote a first checkpoint meanwhile: continue from it.
      if (wiped.succeeded) return new EtcdRun(this.client, projection, null, null);
    }
  }

  async loadCheckpoint(projection: string): Promise<Checkpoint | null> {
    const text = await this.client.get(etcdCheckpointKey(projection)).string();
    return text ? parseCheckpoint(text) : null;
  }
}

class EtcdRun implements TargetRun<EtcdWrites> {
  constructor(
    private readonly client: Etcd3,
    private readonly projection: string,
    public checkpoint: Checkpoint | null,
    /** The checkpoint key's mod revision as this run left it; null while it has none. */
    private revision: string | null,
  ) {}

  async commit<T>(
    work: ((tx: EtcdWrites) => Promise<T>) | null,
    to: Checkpoint | null,
  ): Promise<T | undefined> {
    const writes = new EtcdWrites();
    const result = work ? await work(writes) : undefined;
    const chunks = chunk(writes.entries());
    // A checkpoint moving past other projections' events alone is not written: etcd keeps every
    // revision until compacted, and the next batch with effects moves it anyway (a restart in
    // between skips those events again, at the cost of reading past them).
    if (chunks.length === 0) return result;
    // A batch too big for one transaction goes in several, each guarded, the last moving the
    // checkpoint: a crash in between replays the batch, which writes the same final values.
    for (const [i, entries] of chunks.entries()) {
      await this.transact(entries, i === chunks.length - 1 ? to : null);
    }
    if (to) this.checkpoint = to;
    return result;
  }

  private async transact(entries: [string, string | null][], to: Checkpoint | null): Promise<void> {
    const key = etcdCheckpointKey(this.projection);
    const ops: IOperation[] = entries.map(([k, value]) =>
      value === null ? this.client.delete().key(k) : this.client.put(k).value(value),
    );
    if (to) ops.push(this.client.put(key).value(formatCheckpoint(to)));
    const guarded =
      this.revision === null
        ? this.client.if(key, 'Create', '==', 0)
        : this.client.if(key, 'Mod', '==', this.revision);
    const answer = await guarded.then(...ops).commit();
    if (!answer.succeeded) {
      throw new CheckpointConflict(
        this.projection,
        'the stored checkpoint is not the one this run committed',
      );
    }
    // Every key a transaction writes gets the revision it creates.
    if (to) this.revision = answer.header.revision;
  }
}

function chunk(entries: [string, string | null][]): [string, string | null][][] {
  const chunks: [string, string | null][][] = [];
  let current: [string, string | null][] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry[0]) + Buffer.byteLength(entry[1] ?? '');
    if (current.length > 0 && (current.length >= MAX_OPS || bytes + size > MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

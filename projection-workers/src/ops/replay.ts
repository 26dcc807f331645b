import { compareCheckpoints, decodeEvent, START } from '@meetings/events';
import type { Checkpoint, DecodedEvent, EventEnvelope, EventStore, UpcasterRegistry } from '@meetings/events';
import type { Projection } from '../projections.js';
import { applyOutsideRuns } from './apply-outside-runs.js';
import { knownCategories } from './categories.js';
import { UsageError } from './errors.js';
import { checkRange, inRange } from './position-range.js';
import type { PositionRange } from './position-range.js';

/** Which events of the log a replay re-applies (only those of the projection's event types). */
export type ReplaySelection = { stream: string } | { category: string } | { range: PositionRange };

export interface ReplayProgress {
  /** Events of the selection read so far (of the projection's types, up to its checkpoint). */
  read: number;
  applied: number;
  failed: number;
}

export interface ReplayResult extends ReplayProgress {
  /** The projection's checkpoint the replay stopped at; null: none (not started, or the Kafka profile). */
  checkpoint: Checkpoint | null;
  /** Selected events past the checkpoint: left to the worker, which applies them anyway. */
  leftToWorker: number;
  /** Events that failed to decode or apply, with why (the replay goes on without them). */
  failures: { globalPosition: number; streamId: string; error: string }[];
}

export interface ReplayDeps {
  store: Pick<EventStore, 'readStream' | 'readAll'>;
  upcasters: UpcasterRegistry;
  /** The last global position of the log (0 when empty), to validate a range. */
  head(): Promise<number>;
  batchSize: number;
  /**
   * The Kafka profile: the projections' positions are consumer offsets, not a log checkpoint, so
   * there is no cap to keep to; every selected event is re-applied (the version guards make the
   * later delivery of one the consumer has not reached yet a no-op).
   */
  uncapped?: boolean;
  /** Called after each batch, for progress on long replays. */
  onProgress?: (progress: ReplayProgress) => void;
}

/**
 * Re-applies the selected events of the log through one projection's projector, in log order and
 * batches, never moving its checkpoint. Only events at or before the checkpoint are re-applied:
 * those after it are the worker's, which applies them anyway.
 *
 * What this repairs, honestly: the projectors are idempotent by version (every row or key keeps the
 * version of its stream it last applied, and an event at or below it is a no-op), so a replay
 * re-creates what is missing (a row or key deleted or lost, the events behind a dead letter whose
 * stream went no further) and never takes a row backwards. A row that exists with wrong content
 * at its current version is not changed: delete it first (a replay of its stream then builds it
 * again from the first event), or rebuild the projection.
 */
export async function replayProjection(
  projection: Projection,
  selection: ReplaySelection,
  deps: ReplayDeps,
): Promise<ReplayResult> {
  const { projector, target } = projection;
  const types = new Set<string>(projector.eventTypes);
  await validate(selection, deps);
  const checkpoint = await target.loadCheckpoint(projector.name);
  const result: ReplayResult = { read: 0, applied: 0, failed: 0, checkpoint, leftToWorker: 0, failures: [] };
  if (!checkpoint && !deps.uncapped) return result;

  for await (const page of pages(selection, types, deps)) {
    const batch: DecodedEvent[] = [];
    const recorded: EventEnvelope[] = [];
    for (const event of page) {
      if (checkpoint && !deps.uncapped && compareCheckpoints(event.checkpoint, checkpoint) > 0) {
        result.leftToWorker++;
        continue;
      }
      result.read++;
      try {
        batch.push(decodeEvent(deps.upcasters, event));
        recorded.push(event);
      } catch (error) {
        fail(result, event, error);
      }
    }
    await applyBatch(projection, batch, recorded, result);
    deps.onProgress?.({ read: result.read, applied: result.applied, failed: result.failed });
  }
  return result;
}

/** The batch in one unit; when it fails, each event alone, so one bad event spoils only itself. */
async function applyBatch(
  projection: Projection,
  batch: DecodedEvent[],
  recorded: EventEnvelope[],
  result: ReplayResult,
): Promise<void> {
  if (batch.length === 0) return;
  try {
    await applyOutsideRuns(projection, batch);
    result.applied += batch.length;
    return;
  } catch {
    // Retried one by one below.
  }
  for (const [i, event] of batch.entries()) {
    try {
      await applyOutsideRuns(projection, [event]);
      result.applied++;
    } catch (error) {
      fail(result, recorded[i]!, error);
    }
  }
}

function fail(result: ReplayResult, event: EventEnvelope, error: unknown): void {
  result.failed++;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  result.failures.push({ globalPosition: event.globalPosition, streamId: event.streamId, error: message });
}

async function validate(selection: ReplaySelection, deps: ReplayDeps): Promise<void> {
  if ('category' in selection && !knownCategories.includes(selection.category))
    throw new UsageError(`unknown category "${selection.category}"; known: ${knownCategories.join(', ')}`);
  if ('range' in selection) checkRange(selection.range, await deps.head());
  if ('stream' in selection) {
    const first = await deps.store.readStream(selection.stream, { max: 1 });
    if (first.length === 0) throw new UsageError(`stream "${selection.stream}" has no events`);
  }
}

/** The selected events of the projection's types, page by page in log order. */
async function* pages(
  selection: ReplaySelection,
  types: ReadonlySet<string>,
  deps: ReplayDeps,
): AsyncIterable<EventEnvelope[]> {
  const max = deps.batchSize;
  if ('stream' in selection) {
    for (let from = 1; ;) {
      const events = await deps.store.readStream(selection.stream, { from, max });
      if (events.length === 0) return;
      yield events.filter((e) => types.has(e.type));
      from = events.at(-1)!.streamVersion + 1;
    }
  }
  const filter = {
    eventTypes: [...types],
    ...('category' in selection ? { categories: [selection.category] } : {}),
  };
  // The store reads in commit order, where global positions are not monotonic: a range is read
  // from the start and filtered, not sought.
  for (let from = START; ;) {
    const page = await deps.store.readAll({ fromPosition: from, max, filter });
    if (page.events.length === 0) return;
    yield 'range' in selection
      ? page.events.filter((e) => inRange(selection.range, e.globalPosition))
      : page.events;
    from = page.checkpoint;
  }
}

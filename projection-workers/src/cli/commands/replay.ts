import { formatCheckpoint } from '@meetings/events';
import { logHead } from '../../adapters/postgres/log-lag.js';
import { UsageError } from '../../ops/errors.js';
import { replayProjection } from '../../ops/replay.js';
import type { ReplaySelection } from '../../ops/replay.js';
import { parseArgs, parsePosition, positionals } from '../args.js';
import type { Command } from '../context.js';
import { names } from './dead-letters.js';

const USAGE =
  'replay <projection> --stream <stream id> | --category <category> | --from <position> --to <position>';

/** `replay`: re-applies the selected events through a projection's projector (see ops/replay.ts). */
export const replay: Command = async (ctx, args, io) => {
  const parsed = parseArgs(args, ['stream', 'category', 'from', 'to']);
  const [name] = positionals(parsed, 1, USAGE);
  const projection = ctx.projections.find((p) => p.projector.name === name);
  if (!projection) throw new UsageError(`unknown projection "${name}"; known: ${names(ctx.projections)}`);
  const selection = selectionOf(parsed.flags);
  const result = await replayProjection(projection, selection, {
    store: ctx.store,
    upcasters: ctx.upcasters,
    head: async () => (await logHead(ctx.pool)).position,
    batchSize: ctx.batchSize,
    uncapped: ctx.kafkaProfile,
    onProgress: (p) =>
      io.err(`replay ${name}: ${p.read} events read, ${p.applied} applied, ${p.failed} failed`),
  });
  if (!result.checkpoint && !ctx.kafkaProfile) {
    io.out(`${name} has not started (no checkpoint): nothing to replay, its worker applies everything`);
    return 0;
  }
  for (const f of result.failures)
    io.err(`failed at position ${f.globalPosition} (${f.streamId}): ${f.error}`);
  io.out(
    `replayed ${name} ${result.checkpoint && !ctx.kafkaProfile ? `up to its checkpoint ${formatCheckpoint(result.checkpoint)}` : 'over the whole selection (Kafka profile)'}: ${result.applied} events applied, ${result.failed} failed, ${result.leftToWorker} past the checkpoint left to the worker`,
  );
  return result.failed > 0 ? 1 : 0;
};

function selectionOf(flags: Record<string, string>): ReplaySelection {
  const given = ['stream', 'category', 'from', 'to'].filter((f) => f in flags);
  const { stream, category, from, to } = flags;
  if (given.length === 1 && stream !== undefined) return { stream };
  if (given.length === 1 && category !== undefined) return { category };
  if (given.length === 2 && from !== undefined && to !== undefined)
    return { range: { from: parsePosition('--from', from), to: parsePosition('--to', to) } };
  throw new UsageError(`give exactly one selection: ${USAGE}`);
}

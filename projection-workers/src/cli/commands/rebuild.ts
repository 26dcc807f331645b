import { formatCheckpoint } from '@meetings/events';
import { UsageError } from '../../ops/errors.js';
import { dropRetiredGenerations } from '../../rebuild/postgres/generations.js';
import { rebuildProjections } from '../../rebuild/rebuild-projection.js';
import { RebuildRefused } from '../../rebuild/rebuild-progress.js';
import { parseArgs, positionals } from '../args.js';
import type { Command } from '../context.js';

const USAGE = 'rebuild <projection>... [--bulk-batch-size <events>]';

/**
 * `rebuild`: a new generation of each named projection's read model, built beside the live one
 * and switched in atomically (rebuild/). Several run side by side, reading the log once. Progress
 * goes to stderr; a second run continues an interrupted one.
 */
export const rebuild: Command = async (ctx, args, io) => {
  const parsed = parseArgs(args, ['bulk-batch-size']);
  const names = parsed.positional;
  if (names.length === 0) throw new UsageError(`usage: ${USAGE}`);
  const bulk = parsed.flags['bulk-batch-size'];
  if (bulk !== undefined && !(/^\d{1,7}$/.test(bulk) && Number(bulk) >= 1))
    throw new UsageError(`--bulk-batch-size must be a positive integer, got "${bulk}"`);
  const bulkBatchSize = bulk === undefined ? ctx.bulkBatchSize : Number(bulk);
  try {
    const results = await rebuildProjections(
      {
        pool: ctx.pool,
        logger: ctx.logger,
        projections: ctx.projections,
        batchSize: ctx.batchSize,
        liveReadsKafka: ctx.kafkaProfile,
        relayName: ctx.relayName,
        ...(ctx.mongo ? { mongo: ctx.mongo } : {}),
        ...(ctx.redis ? { redis: ctx.redis } : {}),
        ...(bulkBatchSize ? { bulkBatchSize } : {}),
      },
      names,
      {
        onProgress: (p) =>
          io.err(
            `rebuild ${p.projection} generation ${p.generation}: ${p.phase}, at ${p.position} of ${p.head}`,
          ),
      },
    );
    for (const result of results)
      io.out(
        `rebuilt ${result.projection} (generation ${result.generation}${result.resumed ? ', resumed' : ''}) in ${result.seconds.toFixed(1)} s; readers switched at ${result.switchedAt ? formatCheckpoint(result.switchedAt) : 'the start of the log'}`,
      );
    return 0;
  } catch (error) {
    if (error instanceof RebuildRefused) throw new UsageError(error.message);
    throw error;
  }
};

/** `drop-retired`: drops the tables of generations switched out more than the grace period ago. */
export const dropRetired: Command = async (ctx, args, io) => {
  const parsed = parseArgs(args, ['grace-seconds']);
  positionals(parsed, 0, 'drop-retired [--grace-seconds <seconds>]');
  const grace = parsed.flags['grace-seconds'] ?? String(ctx.retiredGraceSeconds);
  if (!/^\d{1,9}$/.test(grace))
    throw new UsageError(`--grace-seconds must be a whole number, got "${grace}"`);
  const dropped = await dropRetiredGenerations(ctx.pool, Number(grace));
  io.out(dropped.length ? `dropped ${dropped.join(', ')}` : 'no retired generation past its grace period');
  return 0;
};

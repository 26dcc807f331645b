import { formatCheckpoint, privateCategories } from '@meetings/events';
import { logHead, logLag } from '../../adapters/postgres/log-lag.js';
import type { Lag } from '../../adapters/postgres/log-lag.js';
import { loadCheckpoint } from '../../adapters/postgres/postgres-target.js';
import { listGenerations } from '../../rebuild/postgres/generations.js';
import { parseArgs, positionals } from '../args.js';
import type { Command } from '../context.js';

const lagText = (lag: Lag) => `behind ${lag.events} events (${lag.seconds.toFixed(1)} s)`;

/**
 * `status`: the log's head; per projection its checkpoint, its lag in events and seconds (the age of
 * its oldest unapplied event) and its pending dead letters; the relay's lag once it has run.
 */
export const status: Command = async (ctx, args, io) => {
  positionals(parseArgs(args, []), 0, 'status');
  const head = await logHead(ctx.pool);
  io.out(`log: ${head.events} events, last position ${head.position}`);
  for (const { projector, target } of ctx.projections) {
    const checkpoint = await target.loadCheckpoint(projector.name);
    const lag = await logLag(ctx.pool, checkpoint, { eventTypes: projector.eventTypes });
    const pending = await ctx.deadLetters.list({ projection: projector.name, status: 'pending' });
    io.out(
      `${projector.name.padEnd(18)} checkpoint ${checkpoint ? formatCheckpoint(checkpoint) : '(none)'}  ${lagText(lag)}  dead letters ${pending.length}`,
    );
  }
  for (const g of await listGenerations(ctx.pool)) {
    io.out(
      g.state === 'building'
        ? `${g.projection.padEnd(18)} rebuild ${g.generation} under way (${g.phase}), at ${g.position ?? 0}: \`rebuild ${g.projection}\` continues it`
        : `${g.projection.padEnd(18)} generation ${g.generation} retired at ${g.switchedAt!.toISOString()}, its tables kept for the grace period`,
    );
  }
  const relay = await loadCheckpoint(ctx.pool, ctx.relayName);
  if (!relay) {
    io.out(`${ctx.relayName.padEnd(18)} has not run`);
    return 0;
  }
  const lag = await logLag(ctx.pool, relay, { excludeCategories: privateCategories });
  io.out(`${ctx.relayName.padEnd(18)} checkpoint ${formatCheckpoint(relay)}  ${lagText(lag)}`);
  return 0;
};

import { UsageError } from '../../ops/errors.js';
import { parseArgs } from '../args.js';
import type { Command } from '../context.js';

/** `dead-letters [projection]`: every dead letter, or a projection's. */
export const deadLetters: Command = async (ctx, args, io) => {
  const { positional } = parseArgs(args, []);
  if (positional.length > 1) throw new UsageError('usage: dead-letters [projection]');
  const [projection] = positional;
  if (projection !== undefined && !ctx.projections.some((p) => p.projector.name === projection))
    throw new UsageError(`unknown projection "${projection}"; known: ${names(ctx.projections)}`);
  for (const d of await ctx.deadLetters.list(projection ? { projection } : {})) {
    io.out(
      `#${d.id} [${d.status}] ${d.projection} ${d.eventType} ${d.streamId}@${d.streamVersion} (${d.attempts} tries): ${d.error}`,
    );
  }
  return 0;
};

export const names = (projections: readonly { projector: { name: string } }[]) =>
  projections.map((p) => p.projector.name).join(', ');

import { retryDeadLetter } from '../../dead-letter-retry.js';
import { UsageError } from '../../ops/errors.js';
import { parseArgs, positionals } from '../args.js';
import type { Command } from '../context.js';

/** `retry <dead letter id>`: applies a dead-lettered event again (after its cause was fixed). */
export const retry: Command = async (ctx, args, io) => {
  const [text] = positionals(parseArgs(args, []), 1, 'retry <dead letter id>');
  const id = /^\d{1,15}$/.test(text!) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) throw new UsageError(`usage: retry <dead letter id>, got "${text}"`);
  const outcome = await retryDeadLetter(id, {
    deadLetters: ctx.deadLetters,
    store: ctx.store,
    upcasters: ctx.upcasters,
    projections: ctx.projections,
  });
  if (outcome.status === 'resolved') {
    io.out(`#${id} applied and resolved`);
    return 0;
  }
  io.out(`#${id} failed again: ${outcome.error}`);
  return 1;
};

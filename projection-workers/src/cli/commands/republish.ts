import { logHead } from '../../adapters/postgres/log-lag.js';
import { UsageError } from '../../ops/errors.js';
import { checkRange } from '../../ops/position-range.js';
import { republishRange } from '../../ops/republish.js';
import { parseArgs, parsePosition, positionals } from '../args.js';
import type { Command } from '../context.js';

const USAGE = 'republish --from <position> --to <position>';

/** `republish`: the relay's publisher sends a range of the log to Kafka again (see ops/republish.ts). */
export const republish: Command = async (ctx, args, io) => {
  const parsed = parseArgs(args, ['from', 'to']);
  positionals(parsed, 0, USAGE);
  const { from, to } = parsed.flags;
  if (from === undefined || to === undefined) throw new UsageError(`usage: ${USAGE}`);
  const range = { from: parsePosition('--from', from), to: parsePosition('--to', to) };
  const head = async () => (await logHead(ctx.pool)).position;
  // Checked before connecting, so bad input fails fast even without a reachable broker.
  checkRange(range, await head());
  const publisher = await ctx.connectPublisher();
  try {
    const published = await republishRange(range, {
      store: ctx.store,
      publisher,
      head,
      batchSize: ctx.batchSize,
      onProgress: (n) => io.err(`republish: ${n} events sent`),
    });
    io.out(`republished positions ${range.from}..${range.to}: ${published} public events sent to Kafka`);
    return 0;
  } finally {
    await publisher.disconnect();
  }
};

import { UsageError } from '../ops/errors.js';
import { deadLetters } from './commands/dead-letters.js';
import { dropRetired, rebuild } from './commands/rebuild.js';
import { replay } from './commands/replay.js';
import { republish } from './commands/republish.js';
import { retry } from './commands/retry.js';
import { status } from './commands/status.js';
import type { CliContext, CliIo, Command, ExitCode } from './context.js';

export const commands: Record<string, Command> = {
  status,
  'dead-letters': deadLetters,
  retry,
  replay,
  republish,
  rebuild,
  'drop-retired': dropRetired,
};

/** Runs one command line; errors are printed to `io.err`: refused input exits 2, failed work 1. */
export async function runCli(ctx: CliContext, argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...args] = argv;
  try {
    const command = Object.hasOwn(commands, name ?? '') ? commands[name!] : undefined;
    if (!command) throw new UsageError(`usage: npm run projections -- ${Object.keys(commands).join(' | ')}`);
    return await command(ctx, args, io);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return error instanceof UsageError ? 2 : 1;
  }
}

import { UsageError } from '../ops/errors.js';

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string>;
}

/**
 * `a b --flag value ...`: every flag takes one value, appears once and is one of `allowed`;
 * anything else is a UsageError naming it.
 */
export function parseArgs(args: readonly string[], allowed: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], flags: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (!allowed.includes(name))
      throw new UsageError(
        `unknown option ${arg}${allowed.length ? `; expected ${allowed.map((a) => `--${a}`).join(', ')}` : ''}`,
      );
    if (name in parsed.flags) throw new UsageError(`${arg} given twice`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    parsed.flags[name] = value;
    i++;
  }
  return parsed;
}

/** A global position given on the command line: digits only (no 1e3, 0x10, -1 or 1.5). */
export function parsePosition(flag: string, value: string): number {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a global position (an integer of at least 1), got "${value}"`);
  return n;
}

/** Exactly `count` positional arguments, or a UsageError showing the usage. */
export function positionals(parsed: ParsedArgs, count: number, usage: string): string[] {
  if (parsed.positional.length !== count) throw new UsageError(`usage: ${usage}`);
  return parsed.positional;
}

import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ConfigError, parseConfig } from '@meetings/events';
import { z } from 'zod';

const Port = z.coerce.number().int().min(1024).max(65535);

/** An executable regular file: the worker binary must exist before any worker is spawned. */
function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Every setting of an SFU node, read from the environment once at start. The mediasoup worker
 * binary is not the one mediasoup's postinstall would fetch (it cannot be fetched here): it is built
 * by scripts/build-mediasoup-worker.mjs, which `npm start` and `npm test` run, and cached outside
 * node_modules.
 */
export const SfuConfigSchema = z
  .object({
    /** Path of the mediasoup-worker binary (the build script prints it). */
    MEDIASOUP_WORKER_BIN: z
      .string({
        error:
          'required: the mediasoup-worker binary (node scripts/build-mediasoup-worker.mjs prints its path)',
      })
      .min(1)
      .refine(isExecutableFile, {
        error: 'no executable file there (node scripts/build-mediasoup-worker.mjs builds it)',
      }),
    /** mediasoup workers (one process each, single-threaded): one per core by default. */
    SFU_WORKERS: z.coerce.number().int().positive().default(availableParallelism()),
    /** UDP/TCP ports the workers' transports listen on, split evenly between the workers. */
    SFU_RTC_MIN_PORT: Port.default(40000),
    SFU_RTC_MAX_PORT: Port.default(49999),
    /** The workers' own log level (their lines go to the node's stderr through mediasoup). */
    SFU_WORKER_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
  })
  .superRefine((c, ctx) => {
    if (c.SFU_RTC_MIN_PORT > c.SFU_RTC_MAX_PORT) {
      ctx.addIssue({ code: 'custom', path: ['SFU_RTC_MAX_PORT'], message: 'below SFU_RTC_MIN_PORT' });
    } else if (c.SFU_RTC_MAX_PORT - c.SFU_RTC_MIN_PORT + 1 < c.SFU_WORKERS) {
      ctx.addIssue({ code: 'custom', path: ['SFU_RTC_MAX_PORT'], message: 'fewer ports than SFU_WORKERS' });
    }
  })
  .transform((c) => ({
    workerBin: c.MEDIASOUP_WORKER_BIN,
    workers: c.SFU_WORKERS,
    rtcMinPort: c.SFU_RTC_MIN_PORT,
    rtcMaxPort: c.SFU_RTC_MAX_PORT,
    workerLogLevel: c.SFU_WORKER_LOG_LEVEL,
  }));

export type SfuConfig = z.infer<typeof SfuConfigSchema>;

export { ConfigError };

/** Parses the environment; a missing or wrong setting fails with one line naming it. */
export function loadSfuConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  return parseConfig(SfuConfigSchema, env);
}

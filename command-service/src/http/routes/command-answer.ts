import { z } from 'zod';
import type { CommandOutcome } from '../../application/command-handler.js';
import type { HttpResult } from '../route-spec.js';

/** What every command answers: where its effect sits in the log (for If-Match and read-your-writes). */
export const CommandAnswer = z.object({
  streamId: z.string(),
  version: z.number().int().describe('The stream version after the command; also the ETag.'),
  position: z.number().int().describe('Global position of the stream’s last event; queries can wait for it.'),
});

export function answer(
  outcome: CommandOutcome,
  status: 200 | 201 = 200,
  extra: Record<string, unknown> = {},
  location?: string,
): HttpResult {
  return {
    status,
    body: { streamId: outcome.streamId, version: outcome.version, position: outcome.position, ...extra },
    headers: { ETag: `"${outcome.version}"`, ...(location ? { Location: location } : {}) },
  };
}

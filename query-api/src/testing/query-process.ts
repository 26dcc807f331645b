import { fileURLToPath } from 'node:url';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ProcessSpec, ServiceUnderTest } from '@meetings/command-service/testing';

export interface QueryApiUnderTest extends ServiceUnderTest {
  wsUrl: string;
}

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * The real query API as a child process, with its own fresh database and Redis key prefix (or the
 * caller's: `options.shared`, `options.redisUrl`).
 */
export async function startQueryApi(
  env: Record<string, string> = {},
  options: Pick<ProcessSpec, 'shared' | 'redisUrl'> = {},
): Promise<QueryApiUnderTest> {
  const service = await startProcessUnderTest({
    ...options,
    main: MAIN,
    readyMessage: 'query-api listening',
    env,
  });
  return { ...service, wsUrl: `ws://127.0.0.1:${service.port}/ws` };
}

import { fileURLToPath } from 'node:url';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';

export interface QueryApiUnderTest extends ServiceUnderTest {
  wsUrl: string;
}

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** The real query API as a child process, with its own fresh database and Redis key prefix. */
export async function startQueryApi(env: Record<string, string> = {}): Promise<QueryApiUnderTest> {
  const service = await startProcessUnderTest({ main: MAIN, readyMessage: 'query-api listening', env });
  return { ...service, wsUrl: `ws://127.0.0.1:${service.port}/ws` };
}

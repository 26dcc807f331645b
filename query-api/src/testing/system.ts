import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startQueryApi } from './query-process.js';
import type { QueryApiUnderTest } from './query-process.js';

const WORKER = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const PASSWORD = 'correct horse battery';

/** The command service, query-api and the projection workers as processes on one database and prefix. */
export interface SystemUnderTest {
  command: ServiceUnderTest;
  query: QueryApiUnderTest;
  worker: ServiceUnderTest;
  stop(): Promise<void>;
}

/** `env` goes to every process (e.g. MONGO_URL for the analytics). */
export async function startSystem(env: Record<string, string> = {}): Promise<SystemUnderTest> {
  const command = await startServiceProcess(env);
  const shared = { db: command.db, redisPrefix: command.redisPrefix };
  const [query, worker] = await Promise.all([
    startQueryApi(env, { shared }),
    startProcessUnderTest({
      main: WORKER,
      readyMessage: 'projection-workers running',
      shared,
      env: { PROJECTION_POLL_INTERVAL_MS: '10', ...env },
    }),
  ]);
  return {
    command,
    query,
    worker,
    stop: async () => {
      await Promise.all([query.terminate(), worker.terminate()]);
      await command.stop();
    },
  };
}

/** A JSON call: the status, the ETag and the parsed body. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), body: (text ? JSON.parse(text) : null) as T };
}

/** Registers a fresh user through the command service and logs it in. */
export async function registerUser(system: SystemUnderTest, name: string) {
  const base = system.command.baseUrl;
  const username = `${name}_${Date.now().toString(36)}`;
  const reg = await call<{ userId: string }>(base, 'POST', '/users', undefined, {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  const login = await call<{ token: string }>(base, 'POST', '/sessions', undefined, {
    username,
    password: PASSWORD,
  });
  return { username, userId: reg.body.userId, token: login.body.token };
}

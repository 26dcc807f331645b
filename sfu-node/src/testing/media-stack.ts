import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startPrivatePostgres, startPrivateRedis } from '@meetings/db/testing';
import type { PrivatePostgres, PrivateRedis, TestDatabase } from '@meetings/db/testing';
import type { SignalingClient } from './signaling-client.js';

/*
 * The real stack an end-to-end test of the media path runs against: command-service,
 * projection-workers and, as asked, query-api and an sfu-node, as processes sharing one database
 * and Redis prefix; and the few calls of the command API such a test makes.
 */

export const PASSWORD = 'correct horse battery';
export const SFU_MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const WORKERS_MAIN = fileURLToPath(new URL('../../../projection-workers/src/main.ts', import.meta.url));
const QUERY_MAIN = fileURLToPath(new URL('../../../query-api/src/main.ts', import.meta.url));

type Env = Record<string, string>;

export interface MediaStackOptions {
  /**
   * Start a private PostgreSQL and Redis first and point PG_ADMIN_URL and REDIS_URL at them (in a
   * loopback-only network namespace the machine's servers are not reachable).
   */
  privateServers?: boolean;
  /** command-service's extra env, or what computes it just before command-service starts. */
  commandEnv?: Env | (() => Env | Promise<Env>);
  /** Start query-api too, with this env. */
  queryEnv?: Env;
  /** Start an sfu-node too, with this env. */
  sfuEnv?: Env;
}

export interface MediaStack {
  command: ServiceUnderTest;
  workers: ServiceUnderTest;
  /** query-api (throws unless `queryEnv` was given). */
  readonly query: ServiceUnderTest;
  /** The sfu-node (throws unless `sfuEnv` was given). */
  readonly sfu: ServiceUnderTest;
  /** The database and Redis prefix of the stack, for further processes of the test. */
  shared: { db: TestDatabase; redisPrefix: string };
  /** Stops the processes, then command-service (its database and keys), then the private servers. */
  stop(): Promise<void>;
}

/** Starts the stack; what started before a failure is stopped again. */
export async function startMediaStack(options: MediaStackOptions = {}): Promise<MediaStack> {
  let pg: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;
  let command: ServiceUnderTest | undefined;
  let workers: ServiceUnderTest | undefined;
  let query: ServiceUnderTest | undefined;
  let sfu: ServiceUnderTest | undefined;
  const stop = async () => {
    await Promise.all([sfu?.terminate(), query?.terminate(), workers?.terminate()]);
    await command?.stop();
    await Promise.all([redis?.stop(), pg?.stop()]);
  };
  try {
    if (options.privateServers) {
      const servers = await Promise.allSettled([startPrivatePostgres(), startPrivateRedis()]);
      if (servers[0].status === 'fulfilled') pg = servers[0].value;
      if (servers[1].status === 'fulfilled') redis = servers[1].value;
      throwIfRejected(servers);
      // createTestDatabase and the services read these: the private servers are the only ones here.
      process.env.PG_ADMIN_URL = pg!.adminUrl;
      process.env.REDIS_URL = redis!.url;
    }
    const commandEnv =
      typeof options.commandEnv === 'function' ? await options.commandEnv() : options.commandEnv;
    command = await startServiceProcess(commandEnv);
    const shared = { db: command.db, redisPrefix: command.redisPrefix };
    const started = await Promise.allSettled([
      startProcessUnderTest({
        main: WORKERS_MAIN,
        readyMessage: 'projection-workers running',
        shared,
        env: { PROJECTION_POLL_INTERVAL_MS: '10' },
      }).then((p) => (workers = p)),
      options.queryEnv &&
        startProcessUnderTest({
          main: QUERY_MAIN,
          readyMessage: 'query-api listening',
          shared,
          env: options.queryEnv,
        }).then((p) => (query = p)),
      options.sfuEnv &&
        startProcessUnderTest({
          main: SFU_MAIN,
          readyMessage: 'sfu-node listening',
          shared,
          env: options.sfuEnv,
        }).then((p) => (sfu = p)),
    ]);
    throwIfRejected(started);
    return {
      command,
      workers: workers!,
      get query() {
        assert.ok(query, 'query-api was not started');
        return query;
      },
      get sfu() {
        assert.ok(sfu, 'sfu-node was not started');
        return sfu;
      },
      shared,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function throwIfRejected(results: PromiseSettledResult<unknown>[]): void {
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** One JSON call to a service's HTTP API; `body` undefined sends none. */
export async function callApi(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Calls of the command API at `baseUrl()` (read at each call: the service starts in `before`). */
export function commandApi(baseUrl: () => string) {
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    callApi(baseUrl(), method, path, token, body);

  /** A call that must succeed (2xx); answers its body. */
  async function ok(method: string, path: string, token?: string, body: unknown = {}) {
    const res = await call(method, path, token, body);
    assert.ok(res.status >= 200 && res.status < 300, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A new user, registered and signed in. */
  async function user(name: string) {
    const username = `${name}_${Date.now().toString(36)}`;
    const reg = await call('POST', '/users', undefined, {
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const login = await call('POST', '/sessions', undefined, { username, password: PASSWORD });
    assert.equal(login.status, 201, JSON.stringify(login.body));
    return { username, userId: reg.body.userId as string, token: login.body.token as string };
  }

  return { call, ok, user };
}

/** Joins once the room cache shows the user present (the projection runs a few ms behind). */
export async function joinWhenPresent(client: SignalingClient, meetingId: string): Promise<any> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer = await client.answer('join', { meetingId });
    if (!answer.error) return answer.result;
    if (Date.now() > deadline) assert.fail(`join: ${JSON.stringify(answer.error)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

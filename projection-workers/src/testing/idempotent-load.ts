import { randomUUID } from 'node:crypto';
import { prng } from './scenario.js';

/** A request sent under an Idempotency-Key, and the first answer that settled it. */
export interface SettledRequest {
  user: number;
  method: 'POST';
  path: string;
  body: unknown;
  key: string;
  status: number;
  answer: unknown;
}

export interface LoadUser {
  userId: string;
  username: string;
  token: string;
}

/** Answers that settle nothing: the same request goes again under the same key. */
const UNSETTLED = new Set([401, 503]);

/**
 * Users of the command API working through meetings (join, leave, chat, mute, unmute) while the
 * servers under the services crash: every request carries an Idempotency-Key and is sent again,
 * under the same key, until it gets an answer that settles it (anything but a network error, 401
 * after Redis lost the session — the user logs in again — 503, or 409 request-in-progress).
 */
export class IdempotentLoad {
  readonly settled: SettledRequest[] = [];
  readonly unavailable = { count: 0 };
  readonly internalErrors: { path: string; answer: unknown }[] = [];
  /** Times (ms since the epoch) a request settled with a 2xx. */
  readonly successes: number[] = [];
  private readonly rnd = prng(7);

  constructor(
    private readonly baseUrl: string,
    readonly users: LoadUser[],
    private readonly password: string,
    private readonly meetings: string[],
  ) {}

  /** Runs one worker per user until `signal` aborts; resolves when each finished its request. */
  run(signal: AbortSignal): Promise<void> {
    return Promise.all(this.users.map((_, i) => this.work(i, signal))).then(() => undefined);
  }

  private async work(user: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const meeting = this.meetings[this.rnd.int(this.meetings.length)]!;
      const me = this.users[user]!.userId;
      const choice = this.rnd.int(10);
      const [path, body] =
        choice < 3
          ? [`/meetings/${meeting}/join`, {}]
          : choice < 5
            ? [`/meetings/${meeting}/leave`, {}]
            : choice < 8
              ? [`/meetings/${meeting}/chat-messages`, { text: `hello ${randomUUID()}` }]
              : [`/meetings/${meeting}/participants/${me}/${choice === 8 ? 'mute' : 'unmute'}`, {}];
      await this.settle(user, path, body);
    }
  }

  /** Sends the request until it settles, and records its first settling answer. */
  async settle(user: number, path: string, body: unknown): Promise<void> {
    const key = randomUUID();
    for (;;) {
      const { status, answer } = await this.send(user, path, body, key);
      if (status === 401) await this.logIn(user);
      if (status === 0 || UNSETTLED.has(status) || isInProgress(status, answer)) {
        if (status === 503) this.unavailable.count += 1;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (status >= 500) this.internalErrors.push({ path, answer });
      if (status < 300) this.successes.push(Date.now());
      this.settled.push({ user, method: 'POST', path, body, key, status, answer });
      return;
    }
  }

  async send(
    user: number,
    path: string,
    body: unknown,
    key: string,
  ): Promise<{ status: number; answer: unknown; replayed: boolean }> {
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.users[user]!.token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return {
        status: res.status,
        answer: text ? (JSON.parse(text) as unknown) : null,
        replayed: res.headers.get('idempotent-replayed') === 'true',
      };
    } catch {
      return { status: 0, answer: null, replayed: false };
    }
  }

  /** Logs the user in again (Redis lost the session); retried while the servers are down. */
  async logIn(user: number): Promise<void> {
    const { username } = this.users[user]!;
    for (;;) {
      try {
        const res = await fetch(`${this.baseUrl}/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: this.password }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 201) {
          this.users[user]!.token = ((await res.json()) as { token: string }).token;
          return;
        }
      } catch {
        // the service or its servers are still down
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const isInProgress = (status: number, answer: unknown) =>
  status === 409 && (answer as { type?: string } | null)?.type === '/problems/request-in-progress';

import { WebSocket } from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

/** An error answer of the signaling protocol. */
export class SignalingFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A signaling client as an SFU client would be: requests with ids, notifications queued. */
export class SignalingClient {
  private nextId = 1;
  private readonly pending = new Map<number | string, (answer: any) => void>();
  private readonly notifications: any[] = [];
  private readonly waiters = new Set<() => void>();
  /** Answers with no id of ours (malformed requests are answered with id null). */
  readonly stray: any[] = [];
  readonly closed: Promise<Closed>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString());
      if ('notification' in message) this.notifications.push(message);
      else if (this.pending.has(message.id)) {
        this.pending.get(message.id)!(message);
        this.pending.delete(message.id);
      } else this.stray.push(message);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** `headers`: of the upgrade request (a proxy's `X-Forwarded-For`, say). */
  static open(url: string, headers?: Record<string, string>): Promise<SignalingClient> {
    const ws = new WebSocket(url, headers ? { headers } : {});
    const client = new SignalingClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** The whole answer, {id, result} or {id, error}. */
  answer(method: string, params?: unknown, id: number | string = this.nextId++): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within 5 s`)), 5000);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    });
  }

  async request<T = any>(method: string, params?: unknown): Promise<T> {
    const answer = await this.answer(method, params);
    if (answer.error) throw new SignalingFailure(answer.error.code, answer.error.message);
    return answer.result as T;
  }

  /** Resolves with the error code of a request expected to fail. */
  async errorOf(method: string, params?: unknown): Promise<string> {
    const answer = await this.answer(method, params);
    if (!answer.error) throw new Error(`${method} succeeded: ${JSON.stringify(answer.result)}`);
    return answer.error.code as string;
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** The next notification matching `match`, taken off the queue. */
  async notification(match: (n: any) => boolean, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.notifications.findIndex(match);
      if (index >= 0) return this.notifications.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no such notification within ${timeoutMs} ms: ${JSON.stringify(this.notifications)}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== this.ws.CLOSED) this.ws.close();
    await this.closed;
  }
}

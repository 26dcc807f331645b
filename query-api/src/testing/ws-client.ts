import { WebSocket } from 'ws';

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket test client: messages queue up until a test takes them. */
export interface TestSocket {
  ws: WebSocket;
  send(message: unknown): void;
  /** The next message (matching `match`), or a rejection after `timeoutMs`. */
  next(match?: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves with nothing when no message arrives within `ms`, rejects when one does. */
  silence(ms: number): Promise<void>;
  closed: Promise<Closed>;
  close(): Promise<void>;
}

export function connect(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, { headers });
  const queue: { message: any; at: number }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    queue.push({ message: JSON.parse((data as Buffer).toString()), at: performance.now() });
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<Closed>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const socket: TestSocket = {
    ws,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: async (match = () => true, timeoutMs = 2000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((q) => match(q.message));
        if (index >= 0) return queue.splice(index, 1)[0]!.message;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(queue)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    silence: async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      if (queue.length > 0) throw new Error(`unexpected messages: ${JSON.stringify(queue.splice(0))}`);
    },
    closed,
    close: async () => {
      if (ws.readyState !== ws.CLOSED) ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('error', reject);
  });
}

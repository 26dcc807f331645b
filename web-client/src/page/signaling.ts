/*
 * The SFU's signaling protocol (sfu-node/README.md) over the browser's WebSocket: requests with
 * ids answered in order, notifications pushed by the node, and the close code that says why the
 * node ended the connection.
 */

export interface Closed {
  code: number;
  reason: string;
}

export interface Notification {
  notification: string;
  data: Record<string, unknown>;
}

/** An error answer: `code` is the protocol's (`not-a-participant`, `service-unavailable`, …). */
export class SignalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Answer {
  id: number | null;
  result?: unknown;
  error?: { code: string; message: string };
}

const ANSWER_TIMEOUT_MS = 10_000;

export class Signaling {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: Answer) => void>();
  /** Resolves once the socket is closed, by either side. */
  readonly closed: Promise<Closed>;

  private constructor(
    private readonly ws: WebSocket,
    onNotification: (n: Notification) => void,
  ) {
    ws.addEventListener('message', (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as Answer | Notification;
      if ('notification' in message) onNotification(message);
      else if (message.id !== null) this.pending.get(message.id)?.(message);
    });
    this.closed = new Promise((resolve) =>
      ws.addEventListener('close', (event) => {
        for (const settle of this.pending.values()) {
          settle({ id: null, error: { code: 'closed', message: `socket closed (${event.code})` } });
        }
        resolve({ code: event.code, reason: event.reason });
      }),
    );
  }

  /** Connects with the bearer token in the URL: a browser's WebSocket cannot send headers. */
  static open(url: string, token: string, onNotification: (n: Notification) => void): Promise<Signaling> {
    const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    const signaling = new Signaling(ws, onNotification);
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(signaling), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  request<T>(method: string, params: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError('timeout', `no answer to ${method}`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (answer.error) reject(new SignalingError(answer.error.code, answer.error.message));
        else resolve(answer.result as T);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close(1000, 'leaving');
  }
}

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { bearerToken } from '@meetings/command-service/http';
import type { Session } from '@meetings/command-service/sessions';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL, CLOSE_UNAUTHORIZED } from './messages.js';
import { RoomConnection } from './room-connection.js';
import type { RoomConnectionDeps } from './room-connection.js';

export interface RoomSocketOptions {
  /** Seconds between pings; a client that has not answered the previous one is dropped. */
  heartbeatSeconds?: number;
}

const PATH = '/ws';

/**
 * `GET /ws` upgrades to a WebSocket of live room updates. The upgrade always completes (browsers
 * cannot read an HTTP refusal), and a connection without a valid session is then closed with 4401.
 */
export class RoomSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly deps: RoomConnectionDeps,
    options: RoomSocketOptions = {},
  ) {
    this.heartbeat = setInterval(() => this.beat(), (options.heartbeatSeconds ?? 30) * 1000);
    this.heartbeat.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.onUpgrade(req, socket, head).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'WebSocket upgrade failed');
        socket.destroy();
      });
    });
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH || this.closing) {
      const status = this.closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const token = url.searchParams.get('token') || bearerToken(req.headers.authorization);
    let session: Session | null = null;
    let failed = false;
    try {
      session = token ? await this.deps.sessions.touch(token) : null;
    } catch (error) {
      failed = true;
      this.deps.logger.error({ err: error }, 'session lookup failed');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (failed) return ws.close(CLOSE_INTERNAL, 'could not check the session');
      if (!session || !token) {
        return ws.close(CLOSE_UNAUTHORIZED, token ? 'the session has expired or was revoked' : 'no token');
      }
      const viewer = { userId: session.userId, isAdmin: session.role === 'admin' };
      const log = this.deps.logger.child({ ws: true, userId: viewer.userId });
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      new RoomConnection(ws, viewer, token, this.deps, log);
      log.info('WebSocket connected');
    });
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  /** Closes every connection (1001) and stops accepting; connections that do not close are cut. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const clients = [...this.wss.clients];
    await Promise.all(
      clients.map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, timeoutMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(CLOSE_GOING_AWAY, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  get connections(): number {
    return this.wss.clients.size;
  }
}

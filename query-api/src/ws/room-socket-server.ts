import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { bearerToken, SocketHeartbeat } from '@meetings/command-service/http';
import type { Session } from '@meetings/command-service/sessions';
import { WebSocketServer } from 'ws';
import { isOutage } from '@meetings/db';
import {
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNAUTHORIZED,
  SESSION_ENDED,
} from './messages.js';
import { RoomConnection } from './room-connection.js';
import type { RoomConnectionDeps } from './room-connection.js';
import { SessionSweeper } from './session-sweeper.js';

/** Emits 'ready' when a connection is (again) ready: an ioredis client fits. */
export interface ReadyEvents {
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

export interface RoomSocketOptions {
  /** Seconds between pings; a client that has not answered the previous one is dropped. */
  heartbeatSeconds?: number;
  /**
   * Milliseconds between checks that the session of every connection still exists (default 1000):
   * a connection whose session ended (log-out, expiry, Redis losing it) is closed with 4401.
   */
  sessionCheckMs?: number;
  /**
   * The session store's connection: at its 'ready' (after a reconnection) the sessions are checked
   * at once, since a restarted Redis may have lost every one of them.
   */
  sessionStoreEvents?: ReadyEvents;
}

const PATH = '/ws';

/**
 * `GET /ws` upgrades to a WebSocket of live room updates. The upgrade always completes (browsers
 * cannot read an HTTP refusal), and a connection without a valid session is then closed with 4401.
 * So is an open connection within about `sessionCheckMs` of its session ending: every connection's
 * session is checked in one read-only round trip per interval (see `SessionSweeper`).
 */
export class RoomSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  private readonly heartbeats = new SocketHeartbeat();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly sweeper: SessionSweeper;
  private readonly storeEvents: ReadyEvents | undefined;
  private readonly onStoreReady = () => {
    this.deps.logger.info('session store ready: checking WebSocket sessions');
    void this.sweeper.sweep();
  };
  private closing = false;

  constructor(
    private readonly deps: RoomConnectionDeps,
    options: RoomSocketOptions = {},
  ) {
    this.heartbeat = setInterval(
      () => this.heartbeats.beat(this.wss.clients),
      (options.heartbeatSeconds ?? 30) * 1000,
    );
    this.heartbeat.unref();
    this.sweeper = new SessionSweeper(deps.sessions, deps.logger, {
      intervalMs: options.sessionCheckMs ?? 1000,
    });
    this.storeEvents = options.sessionStoreEvents;
    this.storeEvents?.on('ready', this.onStoreReady);
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
    let failed: 'outage' | 'fault' | null = null;
    try {
      session = token ? await this.deps.sessions.touch(token) : null;
    } catch (error) {
      failed = isOutage(error) ? 'outage' : 'fault';
      if (failed === 'outage')
        this.deps.logger.warn({ err: error }, 'session lookup failed: Redis unavailable');
      else this.deps.logger.error({ err: error }, 'session lookup failed');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (failed === 'outage') return ws.close(CLOSE_TRY_AGAIN_LATER, 'a server is unavailable; try again');
      if (failed) return ws.close(CLOSE_INTERNAL, 'could not check the session');
      if (!session || !token) {
        return ws.close(CLOSE_UNAUTHORIZED, token ? SESSION_ENDED : 'no token');
      }
      const viewer = { userId: session.userId, isAdmin: session.role === 'admin' };
      const log = this.deps.logger.child({ ws: true, userId: viewer.userId });
      this.heartbeats.track(ws);
      new RoomConnection(ws, viewer, token, this.deps, log);
      this.sweeper.track(ws, session.sessionId, () => {
        log.info('WebSocket session ended');
        ws.close(CLOSE_UNAUTHORIZED, SESSION_ENDED);
      });
      ws.once('close', () => this.sweeper.untrack(ws));
      log.info('WebSocket connected');
    });
  }

  /** Closes every connection (1001) and stops accepting; connections that do not close are cut. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.sweeper.stop();
    this.storeEvents?.off('ready', this.onStoreReady);
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

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { bearerToken, SocketHeartbeat } from '@meetings/command-service/http';
import type { Session, SessionStore } from '@meetings/command-service/sessions';
import { isOutage } from '@meetings/db';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CLOSE } from '../application/peer-link.js';
import type { Sfu } from '../application/sfu.js';
import type { SessionLog } from '../ports/session-log.js';
import { directClientAddress, SignalingConnection } from './connection.js';

export interface SignalingOptions {
  graceMs: number;
  sessionCheckMs: number;
  heartbeatMs: number;
  /** Records each socket's stay in a meeting (signaling_sessions). */
  sessionLog: SessionLog;
}

const SESSION_ENDED = 'the session has expired or was revoked';

/**
 * `GET /ws?token=…` (or `Authorization: Bearer …`) upgrades to a signaling socket. The upgrade
 * always completes (browsers cannot read an HTTP refusal); a socket without a valid session is
 * then closed with 4401, and so is an open one within about `sessionCheckMs` of its session ending
 * (log-out, a disabled account): all sessions are checked in one read-only round trip.
 */
export class SignalingServer {
  private readonly http: Server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end();
  });
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sessionOf = new Map<WebSocket, string>();
  private readonly heartbeats = new SocketHeartbeat();
  private readonly timers: NodeJS.Timeout[] = [];
  private closing = false;

  constructor(
    private readonly sfu: Sfu,
    private readonly sessions: SessionStore,
    private readonly logger: Logger,
    private readonly options: SignalingOptions,
  ) {
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.onUpgrade(req, socket, head).catch((error: unknown) => {
        this.logger.error({ err: error }, 'WebSocket upgrade failed');
        socket.destroy();
      });
    });
    this.timers.push(setInterval(() => void this.checkSessions(), options.sessionCheckMs));
    this.timers.push(setInterval(() => this.heartbeats.beat(this.wss.clients), options.heartbeatMs));
  }

  /** Signaling sockets open now (the node's /metrics). */
  get connections(): number {
    return this.wss.clients.size;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, resolve);
    });
    return (this.http.address() as AddressInfo).port;
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || this.closing) {
      const status = this.closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const token = url.searchParams.get('token') || bearerToken(req.headers.authorization);
    let session: Session | null = null;
    let outage = false;
    try {
      session = token ? await this.sessions.touch(token) : null;
    } catch (error) {
      if (!isOutage(error)) throw error;
      outage = true;
      this.logger.warn({ err: error }, 'session lookup failed: Redis unavailable');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (outage) return ws.close(1013, 'a server is unavailable; try again');
      if (!session) return ws.close(CLOSE.unauthorized, token ? SESSION_ENDED : 'no token');
      // The correlation id of everything this socket causes in the logs.
      const log = this.logger.child({ connectionId: randomUUID(), userId: session.userId });
      this.heartbeats.track(ws);
      this.sessionOf.set(ws, session.sessionId);
      ws.once('close', () => this.sessionOf.delete(ws));
      new SignalingConnection(
        ws,
        session.userId,
        this.sfu,
        this.options.graceMs,
        log,
        this.options.sessionLog,
        directClientAddress(req),
      );
      log.info('signaling connected');
    });
  }

  private async checkSessions(): Promise<void> {
    if (this.sessionOf.size === 0) return;
    const open = [...this.sessionOf];
    let alive: Set<string>;
    try {
      alive = await this.sessions.alive(open.map(([, id]) => id));
    } catch (error) {
      // Redis away: a session cannot be told ended; the next check after it returns will.
      this.logger.warn({ err: error }, 'session check failed');
      return;
    }
    for (const [ws, id] of open) if (!alive.has(id)) ws.close(CLOSE.unauthorized, SESSION_ENDED);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const ws of this.wss.clients) ws.close(CLOSE.goingAway, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

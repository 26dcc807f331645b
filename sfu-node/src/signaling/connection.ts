import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isOutage } from '@meetings/db';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { SignalingError } from '../application/errors.js';
import type { MeetingRoom } from '../application/meeting-room.js';
import type { Peer } from '../application/peer.js';
import type { Notification, PeerLink } from '../application/peer-link.js';
import type { Sfu } from '../application/sfu.js';
import type { SessionLog } from '../ports/session-log.js';
import { describeIssue, isMethod, METHOD_PARAMS, Request } from './messages.js';
import type { Method, ParamsOf } from './messages.js';

/** A client far behind on reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Headers a proxy adds: behind one, the socket's address is the proxy's, not the client's. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * The address a client's signaling connection comes from, as far as it can be trusted: undefined
 * when the upgrade came through a proxy (plain RTP is then sent to nobody; see
 * domain/plain-destination.ts).
 */
export function directClientAddress(req: IncomingMessage): string | undefined {
  if (FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined)) return undefined;
  return req.socket.remoteAddress;
}

type Handler<M extends Method> = (params: ParamsOf<M>, joined: { room: MeetingRoom; peer: Peer }) => unknown;

/**
 * One authenticated signaling socket. Requests are handled one at a time in arrival order (a
 * `consume` right after `produce` then sees the producer); an error answers the request and
 * changes nothing.
 */
export class SignalingConnection implements PeerLink {
  private joined: { room: MeetingRoom; peer: Peer } | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** The signaling session of this socket's stay in its meeting, once joined. */
  private sessionId: string | null = null;

  constructor(
    private readonly ws: WebSocket,
    readonly userId: string,
    private readonly sfu: Sfu,
    private readonly graceMs: number,
    private readonly log: Logger,
    private readonly sessionLog: SessionLog,
    /** Where the connection comes from (directClientAddress); undefined: not known. */
    private readonly clientAddress?: string,
  ) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : null;
      this.queue = this.queue.then(() => this.onMessage(text));
    });
    ws.on('close', () => {
      if (this.joined) this.joined.room.detach(this.joined.peer, this, this.graceMs);
      if (this.sessionId) this.sessionLog.closed(this.sessionId, 'socket-closed');
    });
    ws.on('error', (error) => this.log.warn({ err: error }, 'WebSocket error'));
  }

  notify(message: Notification): void {
    this.send(message);
  }

  close(code: number, reason: string): void {
    this.joined = null;
    this.ws.close(code, reason);
  }

  private async onMessage(text: string | null): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      return this.fail(null, new SignalingError('invalid-message', 'send JSON text frames'));
    }
    const parsed = Request.safeParse(json);
    if (!parsed.success) {
      const id = json && typeof json === 'object' && 'id' in json ? json.id : null;
      const safeId = typeof id === 'string' || typeof id === 'number' ? id : null;
      return this.fail(safeId, new SignalingError('invalid-message', describeIssue(parsed.error)));
    }
    const { id, method, params } = parsed.data;
    try {
      if (!isMethod(method)) throw new SignalingError('unknown-method', `no method ${method}`);
      const checked = METHOD_PARAMS[method].safeParse(params ?? {});
      if (!checked.success) throw new SignalingError('invalid-params', describeIssue(checked.error));
      const result = await this.dispatch(method, checked.data);
      this.send({ id, result });
    } catch (error) {
      this.fail(id, error, method);
    }
  }

  private async dispatch<M extends Method>(method: M, params: ParamsOf<M>): Promise<unknown> {
    if (method === 'join') return this.join((params as ParamsOf<'join'>).meetingId);
    if (!this.joined) throw new SignalingError('not-joined', 'send join first');
    // The handler of `method` takes the params parsed by its own schema.
    const handlers = this.handlers as unknown as Record<Method, Handler<M>>;
    return handlers[method](params, this.joined);
  }

  private async join(meetingId: string) {
    if (this.joined)
      throw new SignalingError('already-joined', 'this connection has joined a meeting already');
    const joined = await this.sfu.join(meetingId, this.userId, this);
    this.joined = joined;
    this.log.info({ meetingId }, 'joined');
    await this.recordSession(meetingId);
    const { room, peer } = joined;
    return {
      rtpCapabilities: room.router.rtpCapabilities,
      producers: room.producers(peer),
      // A reconnection within the grace period keeps what the previous connection made.
      resumed: {
        transportIds: [...peer.transports.keys()],
        producerIds: [...peer.producers.keys()],
        consumerIds: [...peer.consumers.keys()],
      },
    };
  }

  /**
   * Media must not wait on the database: a session that cannot be recorded (PostgreSQL away) is
   * logged and the join goes on; the row is then missing, and its close is not written either.
   */
  private async recordSession(meetingId: string): Promise<void> {
    const sessionId = randomUUID();
    try {
      await this.sessionLog.opened({ sessionId, userId: this.userId, meetingId });
      // The socket may have closed while the open was written: its close follows the open.
      if (this.ws.readyState === this.ws.CLOSED) this.sessionLog.closed(sessionId, 'socket-closed');
      else this.sessionId = sessionId;
    } catch (error) {
      this.log.warn({ err: error, meetingId }, 'signaling session not recorded');
    }
  }

  private readonly handlers: { [M in Exclude<Method, 'join'>]: Handler<M> } = {
    getRouterRtpCapabilities: (_, { room }) => room.router.rtpCapabilities,
    createWebRtcTransport: async (p, { room, peer }) => room.createWebRtcTransport(peer, p.direction),
    createPlainTransport: async (p, { room, peer }) =>
      room.createPlainTransport(peer, p.direction, p.rtcpMux),
    connectTransport: async (p, { room, peer }) => {
      await room.connectTransport(peer, p.transportId, p.dtlsParameters);
      return {};
    },
    connectPlainTransport: async ({ transportId, ...destination }, { room, peer }) => {
      await room.connectPlainTransport(peer, transportId, destination, this.clientAddress);
      return {};
    },
    produce: async (p, { room, peer }) =>
      room.produce(peer, p.transportId, p.kind, p.rtpParameters, p.appData.source),
    consume: async (p, { room, peer }) => room.consume(peer, p.transportId, p.producerId, p.rtpCapabilities),
    resumeConsumer: async (p, { peer }) => {
      await peer.consumer(p.consumerId).resume();
      return {};
    },
    pauseProducer: async (p, { room, peer }) => {
      await room.setOwnerPaused(peer, p.producerId, true);
      return {};
    },
    resumeProducer: async (p, { room, peer }) => {
      await room.setOwnerPaused(peer, p.producerId, false);
      return {};
    },
    closeProducer: (p, { peer }) => {
      peer.producer(p.producerId).producer.close();
      return {};
    },
  };

  private fail(id: string | number | null, error: unknown, method?: string): void {
    if (error instanceof SignalingError) {
      this.send({ id, error: { code: error.code, message: error.message } });
      return;
    }
    if (isOutage(error)) {
      this.log.warn({ err: error, method }, 'request failed: a server is unavailable');
      this.send({
        id,
        error: { code: 'service-unavailable', message: 'a server is unavailable; try again' },
      });
      return;
    }
    // mediasoup refuses parameters it cannot use (bad DTLS fingerprints, RTP parameters, ...) with
    // TypeError; anything else is ours.
    if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
      this.send({ id, error: { code: 'media-rejected', message: error.message } });
      return;
    }
    this.log.error({ err: error, method }, 'request failed');
    this.send({ id, error: { code: 'internal-error', message: 'an unexpected error occurred' } });
  }

  private send(message: unknown): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn('closing a WebSocket that does not keep up');
      this.ws.terminate();
      return;
    }
    this.ws.send(JSON.stringify(message));
  }
}

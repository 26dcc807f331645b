import { randomUUID } from 'node:crypto';
import type { SessionStore } from '@meetings/command-service/sessions';
import { isOutage } from '@meetings/db';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { MeetingsReader } from '../read/meetings-reader.js';
import type { Viewer } from '../read/visibility.js';
import type { RoomCache, RoomChangeMessage } from '../rooms/room-cache.js';
import { parseRoom } from '../rooms/room-cache.js';
import type { RoomHub } from '../rooms/room-hub.js';
import type { SignalingCloseReason as CloseReason, SignalingRecorder } from '@meetings/db';
import { LOBBY_CHANGES, roomFor, seesLobby } from '../rooms/room-view.js';
import { CLOSE_UNAUTHORIZED, SESSION_ENDED, parseClientMessage } from './messages.js';
import type { ServerMessage } from './messages.js';

export interface RoomConnectionDeps {
  sessions: SessionStore;
  meetings: MeetingsReader;
  rooms: RoomCache;
  hub: RoomHub;
  logger: Logger;
  maxSubscriptions: number;
  /** Records each subscription as a signaling session of this node (`signaling_sessions`). */
  signaling: Pick<SignalingRecorder, 'opened' | 'closed'>;
}

interface Subscription {
  /** Changes that arrived before `subscribed` was sent; null once it was. */
  early: RoomChangeMessage[] | null;
  /**
   * The newest version sent: an older change (the room cache rebuilt after Redis lost it replays
   * the meeting from its start) would show the client a room from the past.
   */
  version: number;
  remove: (() => void) | null;
  cancelled: boolean;
  /** The meeting's creator, who (like hosts present and admins) sees the lobby. */
  hostId: string;
  /** Its signaling session, from just before `subscribed` is sent until it is recorded closed. */
  sessionId: string | null;
}

/** A client far behind on reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * One authenticated WebSocket: subscriptions to rooms the viewer may see, each answered with the
 * current room and then fed every change; who waits in the lobby only to hosts (and admins), so
 * others get rooms without it and no message for a change of the lobby alone. A change racing the subscription is held back until
 * `subscribed` is sent and dropped when the room sent already includes it (by version), so a
 * client sees each version once, in order.
 */
export class RoomConnection {
  private readonly subscriptions = new Map<string, Subscription>();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly viewer: Viewer,
    private readonly token: string,
    private readonly deps: RoomConnectionDeps,
    private readonly log: Logger,
  ) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : null;
      this.onMessage(text).catch((error: unknown) => {
        if (isOutage(error)) {
          this.log.warn({ err: error }, 'WebSocket message failed: a server is unavailable');
          this.send({
            type: 'error',
            error: 'service-unavailable',
            detail: 'a server is unavailable; try again',
          });
          return;
        }
        this.log.error({ err: error }, 'WebSocket message failed');
        this.send({ type: 'error', error: 'internal-error', detail: 'an unexpected error occurred' });
      });
    });
    ws.on('close', () => this.dispose());
    ws.on('error', (error) => this.log.warn({ err: error }, 'WebSocket error'));
  }

  private async onMessage(text: string | null): Promise<void> {
    const message = text === null ? { invalid: 'send JSON text frames' } : parseClientMessage(text);
    if ('invalid' in message) {
      this.send({ type: 'error', error: 'invalid-message', detail: message.invalid });
      return;
    }
    if (message.type === 'ping') this.send({ type: 'pong' });
    else if (message.type === 'subscribe') await this.subscribe(message.meetingId);
    else this.unsubscribe(message.meetingId);
  }

  private async subscribe(meetingId: string): Promise<void> {
    const existing = this.subscriptions.get(meetingId);
    if (existing && !existing.early) {
      const room = await this.deps.rooms.get(meetingId);
      existing.version = Math.max(existing.version, room?.version ?? 0);
      this.send({ type: 'subscribed', meetingId, room: roomFor(this.viewer, existing.hostId, room) });
      return;
    }
    if (existing) return; // in progress: its answer is on the way
    if (this.subscriptions.size >= this.deps.maxSubscriptions) {
      const detail = `at most ${this.deps.maxSubscriptions} rooms per connection`;
      this.send({ type: 'error', error: 'too-many-subscriptions', detail, meetingId });
      return;
    }
    const sub: Subscription = {
      early: [],
      version: 0,
      remove: null,
      cancelled: false,
      hostId: '',
      sessionId: null,
    };
    this.subscriptions.set(meetingId, sub);
    try {
      // The session may have ended since the connection opened.
      if (!(await this.deps.sessions.touch(this.token))) {
        this.ws.close(CLOSE_UNAUTHORIZED, SESSION_ENDED);
        return;
      }
      const hostId = await this.deps.meetings.visibleHost(this.viewer, meetingId);
      if (hostId === null) {
        this.subscriptions.delete(meetingId);
        const detail = `no meeting ${meetingId} that you may see`;
        this.send({ type: 'error', error: 'meeting-not-found', detail, meetingId });
        return;
      }
      const remove = await this.deps.hub.listen(meetingId, (change) => this.onChange(meetingId, sub, change));
      if (sub.cancelled) {
        remove();
        return;
      }
      sub.remove = remove;
      sub.hostId = hostId;
      const room = await this.deps.rooms.get(meetingId);
      sub.version = room?.version ?? 0;
      // Set before the append: a close while it is under way then records the session's end too.
      sub.sessionId = randomUUID();
      const session = { sessionId: sub.sessionId, userId: this.viewer.userId, meetingId };
      await this.deps.signaling.opened(session);
      if (sub.cancelled) return;
      this.send({ type: 'subscribed', meetingId, room: roomFor(this.viewer, hostId, room) });
      const early = sub.early ?? [];
      sub.early = null;
      for (const change of early) this.forward(meetingId, sub, change);
    } catch (error) {
      if (this.subscriptions.get(meetingId) === sub) this.subscriptions.delete(meetingId);
      sub.cancelled = true;
      sub.remove?.();
      this.endSession(sub, 'unsubscribed');
      throw error;
    }
  }

  private unsubscribe(meetingId: string): void {
    const sub = this.subscriptions.get(meetingId);
    if (!sub) {
      this.send({ type: 'error', error: 'not-subscribed', detail: 'not subscribed to this room', meetingId });
      return;
    }
    this.subscriptions.delete(meetingId);
    sub.cancelled = true;
    sub.remove?.();
    this.endSession(sub, 'unsubscribed');
    this.send({ type: 'unsubscribed', meetingId });
  }

  private onChange(meetingId: string, sub: Subscription, change: RoomChangeMessage): void {
    if (sub.cancelled) return;
    if (sub.early) sub.early.push(change);
    else this.forward(meetingId, sub, change);
  }

  /** Sends a change newer than what the client has; older ones and repeats are dropped. */
  private forward(meetingId: string, sub: Subscription, change: RoomChangeMessage): void {
    if (change.version <= sub.version) return;
    sub.version = change.version;
    const room = parseRoom(change.room);
    // Whether the viewer is a host is read off the room itself, so a promotion applies at once.
    if (LOBBY_CHANGES.has(change.type) && !seesLobby(this.viewer, sub.hostId, room)) return;
    this.send({
      type: 'room',
      meetingId,
      version: change.version,
      change: change.type,
      room: roomFor(this.viewer, sub.hostId, room),
    });
  }

  private send(message: ServerMessage): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn('closing a WebSocket that does not keep up');
      this.ws.terminate();
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  private dispose(): void {
    this.closed = true;
    for (const sub of this.subscriptions.values()) {
      sub.cancelled = true;
      sub.remove?.();
      this.endSession(sub, 'socket-closed');
    }
    this.subscriptions.clear();
  }

  private endSession(sub: Subscription, reason: CloseReason): void {
    if (sub.sessionId === null) return;
    this.deps.signaling.closed(sub.sessionId, reason);
    sub.sessionId = null;
  }
}

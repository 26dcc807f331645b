import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseRoom } from '../../domain/room.js';
import type { Room } from '../../domain/room.js';
import type { RoomSource } from '../../ports/room-source.js';

/**
 * The room cache of projection-workers: `room:{meetingId}` read with HGETALL, and the projector's
 * PUBLISH on `<prefix>room-changes:{meetingId}` after each change it applies. PUBLISH delivers at
 * most once, so after the subscriber reconnects every watched room is read again: a mute or a
 * removal published while it was away is not missed.
 */
export class RedisRoomSource implements RoomSource {
  private readonly watchers = new Map<string, Set<(room: Room | null) => void>>();

  /** `redis` carries the deployment's key prefix; `subscriber` is a connection of its own. */
  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    subscriber.on('ready', () => {
      for (const meetingId of this.watchers.keys()) void this.refresh(meetingId);
    });
  }

  async get(meetingId: string): Promise<Room | null> {
    return parseRoom(await this.redis.hgetall(`room:${meetingId}`));
  }

  async watch(meetingId: string, onRoom: (room: Room | null) => void): Promise<() => Promise<void>> {
    let set = this.watchers.get(meetingId);
    if (!set) {
      set = new Set();
      this.watchers.set(meetingId, set);
      await this.subscriber.subscribe(this.channel(meetingId));
    }
    set.add(onRoom);
    return async () => {
      const current = this.watchers.get(meetingId);
      if (!current?.delete(onRoom) || current.size > 0) return;
      this.watchers.delete(meetingId);
      await this.subscriber.unsubscribe(this.channel(meetingId)).catch(() => undefined);
    };
  }

  private channel(meetingId: string): string {
    // Channels are not keys: ioredis does not prefix them, the projector and we both do.
    return `${this.keyPrefix}room-changes:${meetingId}`;
  }

  private onMessage(channel: string, text: string): void {
    let message: { meetingId?: unknown; room?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.meetingId !== 'string' || channel !== this.channel(message.meetingId)) return;
    const hash =
      message.room && typeof message.room === 'object' ? (message.room as Record<string, string>) : null;
    this.deliver(message.meetingId, parseRoom(hash));
  }

  private async refresh(meetingId: string): Promise<void> {
    try {
      this.deliver(meetingId, await this.get(meetingId));
    } catch (error) {
      this.logger.warn({ err: error, meetingId }, 'could not read a room after reconnecting');
    }
  }

  private deliver(meetingId: string, room: Room | null): void {
    for (const onRoom of this.watchers.get(meetingId) ?? []) onRoom(room);
  }
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { parseRoomChange, roomChannel } from './room-cache.js';
import type { RoomChangeMessage } from './room-cache.js';

export type RoomListener = (change: RoomChangeMessage) => void;

interface Channel {
  listeners: Set<RoomListener>;
  /** Settles once Redis confirmed the SUBSCRIBE: from then on no change of the room is missed. */
  subscribed: Promise<void>;
}

/**
 * Fans room changes out from one dedicated Redis subscriber connection to any number of listeners
 * (WebSocket subscriptions): a channel is SUBSCRIBEd while it has a listener and UNSUBSCRIBEd when
 * its last one leaves. Commands go out in order on the one connection, so a quick
 * unsubscribe/subscribe sequence always ends in the state of the last call; ioredis re-subscribes
 * by itself after a reconnection.
 */
export class RoomHub {
  private readonly channels = new Map<string, Channel>();

  constructor(
    /** In subscriber mode from the first SUBSCRIBE: use it for nothing else. */
    private readonly subscriber: Redis,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  /**
   * Adds a listener of one meeting's room; resolves when the subscription is live (a room read
   * after that cannot miss a change). Returns the function removing the listener.
   */
  async listen(meetingId: string, listener: RoomListener): Promise<() => void> {
    const name = roomChannel(this.keyPrefix, meetingId);
    let channel = this.channels.get(name);
    if (!channel) {
      const subscribed = this.subscriber.subscribe(name).then(() => undefined);
      channel = { listeners: new Set(), subscribed };
      this.channels.set(name, channel);
      subscribed.catch((error: unknown) => {
        this.logger.error({ err: error, channel: name }, 'SUBSCRIBE failed');
        if (this.channels.get(name) === channel) this.channels.delete(name);
      });
    }
    channel.listeners.add(listener);
    const current = channel;
    const remove = () => {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (this.channels.get(name) !== current) return;
      this.channels.delete(name);
      this.subscriber.unsubscribe(name).catch((error: unknown) => {
        this.logger.warn({ err: error, channel: name }, 'UNSUBSCRIBE failed');
      });
    };
    try {
      await current.subscribed;
    } catch (error) {
      remove();
      throw error;
    }
    return remove;
  }

  /** How many rooms are listened to (for tests and metrics). */
  get size(): number {
    return this.channels.size;
  }

  private dispatch(channelName: string, message: string): void {
    const channel = this.channels.get(channelName);
    if (!channel) return;
    const change = parseRoomChange(message);
    if (!change) {
      this.logger.warn({ channel: channelName }, 'ignored a message that is not a room change');
      return;
    }
    for (const listener of [...channel.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, channel: channelName }, 'room listener failed');
      }
    }
  }
}

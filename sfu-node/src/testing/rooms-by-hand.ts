import type { Room } from '../domain/room.js';
import type { RoomSource } from '../ports/room-source.js';

/**
 * The node's room-cache port fed by the test itself (the e2e tests feed it from Redis): `room` is
 * what `get` answers, `change` also tells the watchers, as the projector's PUBLISH would.
 */
export class RoomsByHand implements RoomSource {
  room: Room | null = null;
  private readonly watchers = new Set<(room: Room | null) => void>();

  get = () => Promise.resolve(this.room);

  watch(_meetingId: string, onRoom: (room: Room | null) => void) {
    this.watchers.add(onRoom);
    return Promise.resolve(() => Promise.resolve(void this.watchers.delete(onRoom)));
  }

  change(room: Room): void {
    this.room = room;
    for (const onRoom of this.watchers) onRoom(room);
  }
}

import type { Room } from '../domain/room.js';

/** Where the SFU learns who is present in a meeting and with which mute/video state. */
export interface RoomSource {
  /** The room now; null when the meeting is not running (never started, ended, unknown). */
  get(meetingId: string): Promise<Room | null>;
  /**
   * Calls `onRoom` with the room after every change (null once it is gone) until the returned
   * function is called. Changes may repeat or arrive out of order: compare `version`.
   */
  watch(meetingId: string, onRoom: (room: Room | null) => void): Promise<() => Promise<void>>;
}

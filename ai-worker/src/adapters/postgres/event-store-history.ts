import { decodeEvent, streams } from '@meetings/events';
import type { DecodedEvent, EventStore, UpcasterRegistry } from '@meetings/events';
import type { MeetingHistory } from '../../ports/analysis.js';

/** The meeting's streams as they are in the event store now, upcast to the current schemas. */
export class EventStoreHistory implements MeetingHistory {
  constructor(
    private readonly store: EventStore,
    private readonly upcasters: UpcasterRegistry,
  ) {}

  meetingEvents(meetingId: string): Promise<DecodedEvent[]> {
    return this.read(streams.meeting(meetingId));
  }

  mediaEvents(meetingId: string): Promise<DecodedEvent[]> {
    return this.read(streams.media(meetingId));
  }

  private async read(streamId: string): Promise<DecodedEvent[]> {
    return (await this.store.readStream(streamId)).map((r) => decodeEvent(this.upcasters, r));
  }
}

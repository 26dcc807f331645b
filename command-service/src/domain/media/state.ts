import type { DomainEventOf, mediaEventSchemas } from '@meetings/events';

/** The events of a `media-<meetingId>` stream, written by SFU nodes. */
export type MediaEvent = DomainEventOf<keyof typeof mediaEventSchemas>;

export type MediaStreamStatus = 'open' | 'closed';

/**
 * Closed streams stay in the map: a stream id is never reused, so a late or replayed publish of
 * a closed stream must still be refused.
 */
export interface MediaState {
  readonly streams: ReadonlyMap<string, MediaStreamStatus>;
}

export const initialMediaState = (): MediaState => ({ streams: new Map() });

import { streamNameFilter, eventTypeFilter } from '@eventstore/db-client';
import type { Filter } from '@eventstore/db-client';
import type { EventEnvelope, EventFilter } from '@meetings/events';

/** The part of a stream id before its first "-", as the PostgreSQL store's split_part reads it. */
export const categoryOf = (streamId: string) => streamId.split('-', 1)[0]!;

/** The port's filter, applied in the client: the final word on what a reader sees. */
export function matches(filter: EventFilter | undefined, event: Pick<EventEnvelope, 'streamId' | 'type'>) {
  if (!filter) return true;
  const category = categoryOf(event.streamId);
  if (filter.categories?.length && !filter.categories.includes(category)) return false;
  if (filter.excludeCategories?.includes(category)) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  return true;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternatives = (items: readonly string[]) => items.map(escape).join('|');

/**
 * A server-side filter for subscribeToAll, so the server skips most of $all before sending it.
 * EventStoreDB filters on the stream name OR the event type, with one regex (.NET syntax), never
 * both: categories win when given and the event types are then checked in the client (`matches`).
 * Every regex also excludes "$" streams or types: $all holds system events the PostgreSQL log
 * does not. See https://developers.eventstore.com/clients/grpc/subscriptions.html#server-side-filtering
 */
export function serverFilter(filter: EventFilter | undefined, checkpointInterval: number): Filter {
  const category = '(?:-|$)';
  if (filter?.categories?.length || filter?.excludeCategories?.length) {
    const include = filter.categories?.length ? `(?:${alternatives(filter.categories)})${category}` : '';
    const exclude = filter.excludeCategories?.length
      ? `(?!(?:${alternatives(filter.excludeCategories)})${category})`
      : '';
    return streamNameFilter({ regex: `^(?!\\$)${exclude}${include}`, checkpointInterval });
  }
  if (filter?.eventTypes?.length)
    return eventTypeFilter({ regex: `^(?:${alternatives(filter.eventTypes)})$`, checkpointInterval });
  return eventTypeFilter({ regex: '^[^$]', checkpointInterval });
}

import { streamNameFilter, eventTypeFilter } from '@eventstore/db-client';
import type { Filter } from '@eventstore/db-client';
import type { EventFilter } from '@meetings/events';

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

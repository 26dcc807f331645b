/** What other packages (and their tests) use of the projection workers. */
export * from './projections.js';
export { ProjectionWorker } from './runner/projection-worker.js';
export { ProjectionRunner } from './runner/projection-runner.js';
export type { Projector } from './projectors/projector.js';
export type { EventSource, EventBatch } from './ports/event-source.js';
export {
  ROOM_CACHE_EVENT_TYPES,
  roomKey,
  roomChannel,
  NOTIFICATION_QUEUE_KEY,
} from './projectors/redis/room-cache-projector.js';
export type { RoomChange } from './projectors/redis/room-cache-projector.js';
export { kafkaLogCreator } from './adapters/kafka/kafka-log.js';

export * from './migrator.js';
export * from './event-store/postgres-event-store.js';
export { ASYNC_COMMIT } from './async-commit.js';

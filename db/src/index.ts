export * from './migrator.js';
export * from './event-store/postgres-event-store.js';

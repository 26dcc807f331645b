/** Bearer sessions, shared with the read side so one log-in works across both APIs. */
export * from './ports/session-store.js';
export { RedisSessionStore } from './adapters/redis/redis-session-store.js';

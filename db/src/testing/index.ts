export * from './test-database.js';
export * from './private-postgres.js';
export * from './private-redis.js';

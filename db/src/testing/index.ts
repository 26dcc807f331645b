export * from './test-database.js';
export * from './private-postgres.js';
export * from './private-redis.js';
export * from './private-etcd.js';
export * from './test-database-hooks.js';

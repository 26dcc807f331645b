export * from './test-database.js';
export * from './private-postgres.js';
export * from './private-redis.js';
export * from './private-etcd.js';
export * from './test-database-hooks.js';
export * from './mongo-stand-in.js';
export { exited, exitedWithin, freePort, hasExited, sleep, tail } from './server-process.js';

export * from './migrator.js';
export * from './event-store/postgres-event-store.js';
export { ASYNC_COMMIT } from './async-commit.js';
export { createPool, CONNECTION_TIMEOUT_MS } from './pool.js';
export type { PoolLogger } from './pool.js';
export { isOutage, logConnectionErrors, REDIS_OUTAGE_OPTIONS, withTimeout } from './outage.js';
export type { FailureLogger } from './outage.js';
export { loadBlindIndex, PostgresPersonalDataVault } from './personal-data/postgres-personal-data-vault.js';
export {
  ETCD_ROOT,
  ETCD_SETTINGS,
  RegisteredInstance,
  registerService,
  serviceKey,
  ServiceDirectory,
} from './etcd/service-registry.js';
export type { Registration, RegistrationOptions } from './etcd/service-registry.js';
export { DEFAULT_LOCK_TTL_MS, lockKey, RedisLock } from './redis-lock.js';
export type { RedisLockOptions } from './redis-lock.js';
export { SignalingRecorder, signalingEvent } from './signaling/signaling-recorder.js';
export type { CloseReason as SignalingCloseReason } from './signaling/signaling-recorder.js';
export { SignalingSweeper } from './signaling/signaling-sweeper.js';
export type { SignalingSweeperDeps, SweepLiveness } from './signaling/signaling-sweeper.js';
export * from './mongo/index.js';
export * from './backup/index.js';
export {
  createEventStore,
  EVENT_STORE_SETTINGS,
  EVENTSTORE_URL_GIVEN,
  eventStoreUrlGiven,
} from './event-store/select.js';
export type { EventStoreSettings } from './event-store/select.js';
export {
  EsdbEventStore,
  MultiStreamAppendUnsupportedError,
} from './event-store/eventstoredb/esdb-event-store.js';

export { ConfigError, loadSfuConfig, SfuConfigSchema, type SfuConfig } from './config.js';
export {
  splitPortRange,
  WorkerPool,
  type Worker,
  type WorkerPoolEvents,
  type WorkerSlot,
} from './worker-pool.js';

/**
 * The HTTP conventions other edges of the system share: problem+json answers, header and text
 * checks, the node HTTP server (timeouts, parser refusals).
 */
export * from './problem.js';
export * from './request-checks.js';
export * from './server.js';
export * from './server-settings.js';
export { sendProblem } from './pipeline.js';
export { storageNotConfigured } from './file-problems.js';
export { correlation } from './correlation.js';
export { corsFor } from './cors-origins.js';
export type { CorsPolicy } from './cors-origins.js';
export { SocketHeartbeat } from './socket-heartbeat.js';
export type { PingedSocket } from './socket-heartbeat.js';
export * from './metrics.js';
export { metricsSettings, startHealthServer } from './health-server.js';
export type { HealthServer, HealthServerOptions } from './health-server.js';
export { InstrumentedEventStore } from '../adapters/metrics/instrumented-event-store.js';

/** What a projection runner reports as it works (the Prometheus adapter: metrics/projection-metrics.ts). */
export interface RunnerMetrics {
  /** A batch of the source committed with its checkpoint: how many events it held. */
  batchApplied(projection: string, events: number): void;
  /** An event set aside in the dead letters. */
  deadLettered(projection: string): void;
}

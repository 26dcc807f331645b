/**
 * Whether a query-api process (a node) still runs: each node keeps a heartbeat that lapses within
 * a TTL of its process dying, and any node can look at any other's.
 */
export interface NodeLiveness {
  /** This node's id (its signaling stream and its registry instance are named after it). */
  readonly nodeId: string;
  /** Starts the heartbeat; `address` is where the node listens (etcd lists it). */
  start(address: { host: string; port: number }): Promise<void>;
  isAlive(nodeId: string): Promise<boolean>;
  /** Ends the heartbeat at once (a graceful stop), not after the TTL. */
  stop(): Promise<void>;
}

import type { Input } from './relay.js';

/** One of the two paths measured, raw mediasoup or the project's, and what was found of it. */
export interface Side {
  name: 'raw' | 'project';
  /** Where the relay sends the feed: the producer's plain transport. */
  input: Input;
  workerPid: number;
  /** The sfu-node process (project side). */
  nodePid?: number;
  /** The counter slot of each consumer, in the order made. */
  slots: number[];
  grow(n: number): Promise<void>;
  passed: { n: number; workerCpu: number; nodeCpu?: number } | null;
  failedAt: number | null;
  /** Where the failing step's packets went missing: socket drops over its windows. */
  failure?: { min: number; mean: number; receiverDrops: number; inputDrops: number; otherDrops: number };
  /** Worker CPU time per packet sent (µs: per packet fed, per consumer) at each N delivered. */
  costAt: Map<number, number>;
}

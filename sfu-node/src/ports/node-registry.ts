import type { NodeLoad } from '../domain/placement.js';

/** A registered SFU node: its name, where clients connect to it, what it reported of its load. */
export interface LiveNode extends NodeLoad {
  /** The signaling WebSocket URL clients are given (`ws://host:port/ws`). */
  url: string;
}

/** The SFU nodes' registry: each node is listed while it lives (etcd: while its lease does). */
export interface NodeRegistry {
  /** The nodes listed now, this one included once it registered. */
  live(): Promise<LiveNode[]>;
  /** Calls `onChange` when a node registers, reports, or goes; returns a stop. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
  /** Publishes this node's current load. */
  report(load: { peers: number; rooms: number }): Promise<void>;
  /** Leaves the registry at once (a clean shutdown: its meetings are placed again without delay). */
  leave(): Promise<void>;
}

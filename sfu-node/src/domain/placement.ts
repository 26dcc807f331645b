import type { Room } from './room.js';

/*
 * Placement: which SFU node carries a started meeting's media. Every node registers in etcd with
 * its load; one of them (the placer) gives each open meeting that has no live node one, and the
 * meeting stream records it (MeetingPlacedOnSfuNode). Pure rules here, I/O in application/placer.
 */

/** A live node as it registered itself: its load is what it reported last. */
export interface NodeLoad {
  nodeId: string;
  /** Connected participants across its meetings. */
  peers: number;
}

/**
 * The placer is the live node with the smallest id. Every node can tell from the same registry
 * listing, so there is no election to run; while the listing changes two nodes may both place,
 * and the meeting stream's expected version lets only one of them write.
 */
export function isPlacer(nodeId: string, liveNodeIds: readonly string[]): boolean {
  return liveNodeIds.length > 0 && [...liveNodeIds].sort()[0] === nodeId;
}

/**
 * The least-loaded live node: the fewest meetings placed on it (the log knows those at once, even
 * before anyone joined), then the fewest connected peers, then the smallest id so that the
 * choice is the same on every run. `placed` counts open meetings per node, including those placed
 * earlier in the same pass. Null when no node is live.
 */
export function chooseNode(nodes: readonly NodeLoad[], placed: ReadonlyMap<string, number>): string | null {
  let best: NodeLoad | null = null;
  const rank = (n: NodeLoad) => [placed.get(n.nodeId) ?? 0, n.peers] as const;
  for (const node of nodes) {
    if (!best) {
      best = node;
      continue;
    }
    const [a, b] = [rank(node), rank(best)];
    if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && node.nodeId < best.nodeId)))) {
      best = node;
    }
  }
  return best?.nodeId ?? null;
}

/** Why a meeting needs placing: it has no node yet, or its node is no longer live. */
export function placementReason(
  sfuNodeId: string | null,
  liveNodeIds: ReadonlySet<string>,
): 'meeting_started' | 'node_lost' | null {
  if (sfuNodeId === null) return 'meeting_started';
  return liveNodeIds.has(sfuNodeId) ? null : 'node_lost';
}

/**
 * Whether the meeting is placed on another node than this one: its participants must connect
 * there. A meeting not placed (no registry, or not yet) is served wherever its clients come.
 */
export function placedElsewhere(room: Room, nodeId: string): boolean {
  return room.sfuNodeId !== null && room.sfuNodeId !== nodeId;
}

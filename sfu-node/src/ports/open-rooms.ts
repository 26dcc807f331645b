/** An open meeting room and the node it was placed on (null: not yet). */
export interface OpenRoom {
  meetingId: string;
  sfuNodeId: string | null;
}

/** The started, not yet ended meetings as the read model has them (meeting_rooms). */
export interface OpenRooms {
  /** Open rooms with no node, or a node not among `liveNodeIds`: those to place. */
  unplaced(liveNodeIds: readonly string[]): Promise<OpenRoom[]>;
  /** How many open rooms each node carries. */
  countsByNode(): Promise<Map<string, number>>;
}

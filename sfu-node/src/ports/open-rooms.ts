/** An open meeting room and the node it was placed on (null: not yet). */
export interface OpenRoom {
  meetingId: string;
  sfuNodeId: string | null;
}

/** The started, not yet ended meetings as the read model has them (meeting_rooms). */
export interface OpenRooms {
  list(): Promise<OpenRoom[]>;
}

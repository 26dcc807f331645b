/** A recording the read model still shows running or processing. */
export interface UnfinishedRecording {
  meetingId: string;
  recordingId: string;
}

/** Where the recorder finds recordings of its meetings that no room on it has shown it. */
export interface UnfinishedRecordings {
  /**
   * Recordings `recording` or `processing` of meetings placed on `nodeId` (and, with `unplaced`,
   * of meetings placed nowhere: a node without a registry serves them all).
   */
  of(nodeId: string, unplaced: boolean): Promise<UnfinishedRecording[]>;
}

/**
 * Where the node records its signaling sessions (the `signaling_sessions` rows): a session is a
 * socket's stay in one meeting, opened when its join is admitted, closed when the socket goes.
 * SignalingRecorder of @meetings/db writes them to the node's `signaling-sfu:<id>` stream.
 */
export interface SessionLog {
  opened(session: { sessionId: string; userId: string; meetingId: string }): Promise<void>;
  closed(sessionId: string, reason: 'socket-closed'): void;
}

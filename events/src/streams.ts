/** Stream naming: `<category>-<id>`. The category is what subscriptions and the relay filter on. */
export const streams = {
  user: (userId: string) => `user-${userId}`,
  credentials: (userId: string) => `credentials-${userId}`,
  username: (username: string) => `username-${username.toLowerCase()}`,
  email: (email: string) => `email-${email.toLowerCase()}`,
  meeting: (meetingId: string) => `meeting-${meetingId}`,
  media: (meetingId: string) => `media-${meetingId}`,
  /** The hashes of a meeting's passcodes (PasscodeSet); the meeting stream names only their versions. */
  passcode: (meetingId: string) => `passcode-${meetingId}`,
  /** One per configuration key (keys are lowercase, see ConfigKey). */
  config: (key: string) => `config-${key}`,
  /** One per query-api process: the WebSocket sessions it holds. */
  signaling: (nodeId: string) => `signaling-${nodeId}`,
  /** One per AI task (category `aitask`): its request, attempts and outcome. */
  aiTask: (taskId: string) => `aitask-${taskId}`,
} as const;

export type StreamCategory = keyof typeof streams;

export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

/** Categories holding secrets or reservations: never shipped beyond the write side. */
export const privateCategories: readonly string[] = ['credentials', 'username', 'email', 'passcode'];

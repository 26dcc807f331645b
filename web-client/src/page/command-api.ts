import { ApiError } from './api-error.js';

export interface Session {
  token: string;
  userId: string;
}

const json = (token?: string): HeadersInit => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

export async function signIn(baseUrl: string, username: string, password: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/sessions`, {
    method: 'POST',
    headers: json(),
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw await ApiError.from(res, 'sign-in');
  return (await res.json()) as Session;
}

/**
 * Joins the meeting as a participant (what admits the user to its media) and answers the log
 * position of the join, for reads that must see it; null when already in it (a reload, another
 * tab), which counts as joined. The idempotency key makes a retry after a lost answer harmless.
 */
export async function joinMeeting(baseUrl: string, token: string, meetingId: string): Promise<number | null> {
  const res = await fetch(`${baseUrl}/meetings/${encodeURIComponent(meetingId)}/join`, {
    method: 'POST',
    headers: { ...json(token), 'idempotency-key': crypto.randomUUID() },
    body: '{}',
  });
  if (res.ok) return ((await res.json()) as { position: number }).position;
  const error = await ApiError.from(res, 'join');
  if (error.rule !== 'already-in-meeting') throw error;
  return null;
}

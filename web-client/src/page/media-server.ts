import { ApiError } from './api-error.js';
import type { AppConfig } from './app-config.js';

/** How long to keep asking while the query API answers 503 with Retry-After (placement pending). */
const GIVE_UP_AFTER_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The signaling URL of the SFU node holding the meeting: the configured one, or else the query
 * API's answer (`GET /meetings/{id}/media-server`). `minPosition` (the join's) makes the query API
 * wait until its room cache shows the user present. A 503 with Retry-After (the meeting is being
 * placed) is asked again after that many seconds; one without (no registry) is final.
 */
export async function whereToConnect(
  config: AppConfig,
  token: string,
  meetingId: string,
  minPosition: number | null,
): Promise<string> {
  if (config.sfuUrl) return config.sfuUrl;
  const query = minPosition === null ? '' : `?minPosition=${minPosition}`;
  const url = `${config.queryApiUrl}/meetings/${encodeURIComponent(meetingId)}/media-server${query}`;
  const deadline = Date.now() + GIVE_UP_AFTER_MS;
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (res.ok) return ((await res.json()) as { url: string }).url;
    const error = await ApiError.from(res, 'media server');
    if (res.status !== 503 || error.retryAfterSeconds === undefined || Date.now() > deadline) throw error;
    await sleep(error.retryAfterSeconds * 1000);
  }
}

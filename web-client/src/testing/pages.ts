import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PASSWORD } from '@meetings/sfu-node/testing/media-stack';
import type { Page } from 'playwright-core';
import type { ReceivedStats } from '../page/received-stats.js';
import type { MeetingClientHook } from '../page/test-hook.js';

/*
 * What the browser tests do with a page of the web client through its test hook
 * (`window.meetingClient`): sign in and join, wait for (re)joins, read what it receives.
 */

/** The page's test hook, as the functions given to page.evaluate see it (they run in the browser). */
declare const window: { meetingClient: MeetingClientHook };

/** A port free now, for a server whose URL others must know before it starts (CORS origin). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Waits until the page is in the meeting's media, joined `times` times in all (rejoins count). A
 * timeout names where the page stands (its state, detail and join count), not only that it timed out.
 */
export async function joinedTimes(page: Page, times: number, timeout = 20_000): Promise<void> {
  await page
    .waitForFunction(
      (n) => window.meetingClient.sfuJoins === n && window.meetingClient.state === 'joined',
      times,
      { timeout },
    )
    .catch(async (error: Error) => {
      throw new Error(`not joined ${times} time(s) within ${timeout} ms: ${await hookOf(page)}`, {
        cause: error,
      });
    });
}

/** The page's hook as JSON (its state, detail and join count), to explain a failure. */
export const hookOf = (page: Page): Promise<string> =>
  page.evaluate(() => JSON.stringify(window.meetingClient)).catch(String);

/**
 * Signs in through the form and joins through the Join button, as a person would; answers how
 * long signing in took, and joining (command API, camera and microphone, SFU, transports).
 */
export async function signInAndJoin(page: Page, username: string, meetingId: string): Promise<string> {
  const start = performance.now();
  await page.fill('#sign-in input[name=username]', username);
  await page.fill('#sign-in input[name=password]', PASSWORD);
  await page.click('#sign-in button[type=submit]');
  await page.waitForFunction(() => window.meetingClient.state === 'signed-in');
  const signedIn = performance.now();
  await page.fill('#join input[name=meetingId]', meetingId);
  await page.click('#join button[type=submit]');
  await joinedTimes(page, 1);
  return `signed in ${(signedIn - start).toFixed(0)} ms, joined ${(performance.now() - signedIn).toFixed(0)} ms`;
}

export const stats = (page: Page): Promise<ReceivedStats[]> =>
  page.evaluate(() => window.meetingClient.stats());
export const from = (all: ReceivedStats[], userId: string, kind: 'audio' | 'video') =>
  all.find((s) => s.userId === userId && s.kind === kind);

/** Polls until `done` holds of the page's stats (within `ms`), and returns them. */
export async function statsWhen(page: Page, done: (s: ReceivedStats[]) => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await stats(page);
    if (done(now)) return now;
    const state = await page.evaluate(() => [window.meetingClient.state, window.meetingClient.detail]);
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify({ state, stats: now })}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What a page got from one user, in a few words. */
export function received(all: ReceivedStats[], userId: string): string {
  const video = from(all, userId, 'video');
  const audio = from(all, userId, 'audio');
  return (
    `${video?.framesDecoded ?? 0} frames (${video?.frameWidth}x${video?.frameHeight}), ` +
    `${audio?.packetsReceived ?? 0} audio packets`
  );
}

export const receivesBoth = (userId: string) => (s: ReceivedStats[]) =>
  (from(s, userId, 'video')?.framesDecoded ?? 0) > 0 && (from(s, userId, 'audio')?.packetsReceived ?? 0) > 0;

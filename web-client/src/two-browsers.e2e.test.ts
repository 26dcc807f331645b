import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { inLoopbackNamespace, rerunInLoopbackNamespace } from '@meetings/sfu-node/testing';
import { commandApi, SFU_MAIN, startMediaStack } from '@meetings/sfu-node/testing/media-stack';
import type { MediaStack } from '@meetings/sfu-node/testing/media-stack';
import type { Browser, Page } from 'playwright-core';
import type { MeetingClientHook } from './page/test-hook.js';
import { CHROMIUM, chromiumInstalled, launchChromium } from './testing/chromium.js';
import {
  freePort,
  from,
  joinedTimes,
  received,
  receivesBoth,
  signInAndJoin,
  stats,
  statsWhen,
} from './testing/pages.js';

/*
 * Two real browsers in one meeting: headless Chromium (fake camera and microphone) opens the web
 * client's page twice, signs in through the form, joins through the Join button, and each receives
 * the other's audio and video through the SFU; the host mutes the guest through the command API
 * and the guest's audio stops reaching the host while the video goes on. Then the SFU's media
 * worker is killed: both pages, told 1012, join again and see each other again, the guest still
 * muted. Everything runs inside a loopback-only network namespace (the file re-runs itself under
 * `unshare -n`, as sfu-werift-media.e2e.test.ts does): Chromium offers 127.0.0.1 candidates only
 * there, and media must never use the machine's other addresses. A private PostgreSQL and Redis
 * run in there too.
 */

const WEB_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const BUILD_PAGE = fileURLToPath(new URL('../scripts/build-page.mjs', import.meta.url));

/** The page's test hook, as the functions given to page.evaluate see it (they run in the browser). */
declare const window: { meetingClient: MeetingClientHook };

const isolated = inLoopbackNamespace();
if (!isolated) {
  if (chromiumInstalled()) process.exitCode = await rerunInLoopbackNamespace();
  else {
    const reason = `no Chromium at ${CHROMIUM} (scripts/bootstrap.mjs installs Debian's chromium)`;
    console.log(`skipping the browser test: ${reason}`);
    test('two browsers meet through the SFU; a mute stops the guest audio', { skip: reason }, () => {});
  }
}

let stack: MediaStack;
let web: ServiceUnderTest;
const browsers: Browser[] = [];
/** What the first test leaves to the second: the two pages in their meeting. */
let met: { hostPage: Page; guestPage: Page; hostId: string; guestId: string } | undefined;
const consoles: string[] = [];

const { ok, user } = commandApi(() => stack.command.baseUrl);

/** A browser page of the web client, its console kept to explain a failure. */
async function openClient(name: string): Promise<Page> {
  const browser = await launchChromium();
  browsers.push(browser);
  const page = await browser.newPage();
  page.on('console', (m) => consoles.push(`[${name} ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoles.push(`[${name} pageerror] ${e.message}`));
  await page.goto(web.baseUrl);
  return page;
}

/** After a failure: what the pages logged, and their state (a page that gave up says why). */
async function explain(...pages: Page[]): Promise<void> {
  console.log(consoles.join('\n'));
  for (const page of pages) {
    console.log(await page.evaluate(() => JSON.stringify(window.meetingClient)).catch(String));
  }
}

/** The mediasoup worker of this test's SFU process (the machine may run other SFUs' workers). */
function sfuWorkerPid(): number {
  const node = childrenOf(process.pid).find((p) => p.cmdline.includes(SFU_MAIN));
  const worker = node && childrenOf(node.pid).find((p) => p.cmdline.includes('mediasoup-worker'));
  assert.ok(worker, 'the SFU runs a mediasoup worker');
  return worker.pid;
}

/** The processes `pid` started (from /proc: ServiceUnderTest does not name its pid). */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parent !== pid) return [];
        return [{ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8') }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

// The outer process only waits for the one inside the namespace: it must declare no test there.
if (isolated) describeTests();

function describeTests() {
  before(async () => {
    // The page is bundled anew: a bundle left from older sources must not be what is tested.
    const built = spawnSync(process.execPath, [BUILD_PAGE], { stdio: 'inherit' });
    assert.equal(built.status, 0, 'the page bundle builds');
    let webPort = 0;
    stack = await startMediaStack({
      privateServers: true,
      commandEnv: async () => {
        webPort = await freePort();
        return { CORS_ORIGINS: `http://127.0.0.1:${webPort}` };
      },
      sfuEnv: {
        SFU_PORT: '0',
        SFU_WORKERS: '1',
        SFU_RTC_MIN_PORT: '43000',
        SFU_RTC_MAX_PORT: '43999',
        SFU_LISTEN_IP: '127.0.0.1',
        SFU_NODE_ID: 'sfu-browsers',
      },
    });
    web = await startProcessUnderTest({
      main: WEB_MAIN,
      readyMessage: 'web-client listening',
      shared: stack.shared,
      env: {
        WEB_CLIENT_PORT: String(webPort),
        WEB_CLIENT_COMMAND_API_URL: stack.command.baseUrl,
        WEB_CLIENT_SFU_URL: `ws://127.0.0.1:${stack.sfu.port}/ws`,
      },
    });
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await web?.terminate();
    await stack?.stop();
  });

  test('two browsers meet through the SFU; a mute stops the guest audio', { timeout: 120_000 }, async () => {
    const host = await user('host');
    const guest = await user('guest');
    const meetingId = (
      await ok('POST', '/meetings', host.token, {
        title: 'two browsers',
        scheduledStartAt: '2030-01-07T09:00:00Z',
        settings: { access: 'open' },
      })
    ).meetingId as string;
    await ok('POST', `/meetings/${meetingId}/join`, host.token);
    await ok('POST', `/meetings/${meetingId}/start`, host.token);

    const [hostPage, guestPage] = await Promise.all([openClient('host'), openClient('guest')]);
    try {
      // The host joined through the API already (the page takes already-in-meeting as joined);
      // the guest joins through the page: the command API cross-origin, then the SFU.
      const timings = await Promise.all([
        signInAndJoin(hostPage, host.username, meetingId),
        signInAndJoin(guestPage, guest.username, meetingId),
      ]);
      const joined = performance.now();
      const [atHost, atGuest] = await Promise.all([
        statsWhen(hostPage, receivesBoth(guest.userId), 15_000, 'the host receives the guest'),
        statsWhen(guestPage, receivesBoth(host.userId), 15_000, 'the guest receives the host'),
      ]);
      console.log(
        `host ${timings[0]}, guest ${timings[1]}; both received audio and video ` +
          `${(performance.now() - joined).toFixed(0)} ms later: the host ${received(atHost, guest.userId)}, ` +
          `the guest ${received(atGuest, host.userId)}`,
      );
      // Each page shows the other's video, labelled by user id, beside its own.
      await hostPage.waitForSelector(`.tile[data-user-id="${guest.userId}"] video`);
      await guestPage.waitForSelector(`.tile[data-user-id="${host.userId}"] video`);

      await ok('POST', `/meetings/${meetingId}/participants/${guest.userId}/mute`, host.token);
      // The SFU paused the guest's microphone and told the host's page (it marks the tile).
      await hostPage.waitForSelector(`.tile.muted[data-user-id="${guest.userId}"]`, { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 500)); // packets already on their way
      const before = await stats(hostPage);
      await new Promise((r) => setTimeout(r, 1500));
      const later = await stats(hostPage);
      const audio = [before, later].map((s) => from(s, guest.userId, 'audio')!.packetsReceived);
      const video = [before, later].map((s) => from(s, guest.userId, 'video')!.framesDecoded);
      console.log(
        `after the mute, over 1.5 s: guest audio packets ${audio.join(' → ')}, frames ${video.join(' → ')}`,
      );
      assert.ok(audio[1]! - audio[0]! <= 3, `the guest's audio stopped: ${audio.join(' → ')}`);
      assert.ok(video[1]! - video[0]! > 2, `the guest's video goes on: ${video.join(' → ')}`);
      // The guest still hears the host.
      const heard = await stats(guestPage);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(
        from(await stats(guestPage), host.userId, 'audio')!.packetsReceived >
          from(heard, host.userId, 'audio')!.packetsReceived,
        'the host is still heard',
      );
      met = { hostPage, guestPage, hostId: host.userId, guestId: guest.userId };
    } catch (error) {
      await explain(hostPage, guestPage);
      throw error;
    }
  });

  test(
    'the worker holding the meeting dies: both pages join again (1012), the mute holds',
    { timeout: 60_000 },
    async () => {
      assert.ok(met, 'the pages of the first test are in their meeting');
      const { hostPage, guestPage, hostId, guestId } = met;
      try {
        const killed = performance.now();
        process.kill(sfuWorkerPid(), 'SIGKILL');
        // The node closes the sockets with 1012; each page asks where to go and joins again.
        await Promise.all([joinedTimes(hostPage, 2), joinedTimes(guestPage, 2)]);
        const rejoined = performance.now();
        const [atHost, atGuest] = await Promise.all([
          statsWhen(
            hostPage,
            (s) => (from(s, guestId, 'video')?.framesDecoded ?? 0) > 0,
            15_000,
            'host: guest video',
          ),
          statsWhen(guestPage, receivesBoth(hostId), 15_000, 'guest: host audio and video'),
        ]);
        console.log(
          `worker killed → both joined again in ${(rejoined - killed).toFixed(0)} ms, media ` +
            `${(performance.now() - rejoined).toFixed(0)} ms later: the host ${received(atHost, guestId)}, ` +
            `the guest ${received(atGuest, hostId)}`,
        );
        // The guest's new microphone starts held paused by the meeting: nothing of it reaches the host.
        await hostPage.waitForSelector(`.tile.muted[data-user-id="${guestId}"]`, { timeout: 5000 });
        await new Promise((r) => setTimeout(r, 1000));
        assert.ok((from(await stats(hostPage), guestId, 'audio')?.packetsReceived ?? 0) <= 3, 'still muted');
      } catch (error) {
        await explain(hostPage, guestPage);
        throw error;
      }
    },
  );
}

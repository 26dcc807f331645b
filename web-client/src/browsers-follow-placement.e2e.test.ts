import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startProcessUnderTest } from '@meetings/command-service/testing';
import type { ServiceUnderTest } from '@meetings/command-service/testing';
import { startPrivateEtcd } from '@meetings/db/testing';
import type { PrivateEtcd } from '@meetings/db/testing';
import { inLoopbackNamespace, rerunInLoopbackNamespace } from '@meetings/sfu-node/testing';
import { callApi, commandApi, SFU_MAIN, startMediaStack } from '@meetings/sfu-node/testing/media-stack';
import type { MediaStack } from '@meetings/sfu-node/testing/media-stack';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, chromiumInstalled, launchChromium } from './testing/chromium.js';
import {
  freePort,
  from,
  hookOf,
  joinedTimes,
  received,
  receivesBoth,
  signInAndJoin,
  stats,
  statsWhen,
} from './testing/pages.js';

/*
 * Two real browsers follow their meeting from a dead SFU node to the surviving one. Two sfu-node
 * processes (sfu-a, sfu-b) register in a private etcd; the web client's config names no SFU, so
 * each page asks query-api where the meeting is. Once both pages receive each other's audio and
 * video, the node holding the meeting is SIGKILLed: the pages' sockets drop (1006), the node's
 * lease runs out, the survivor places the meeting on itself, and the pages, asking query-api
 * again, join there and receive each other again. Everything runs inside a loopback-only network
 * namespace (as two-browsers.e2e.test.ts does), with a private PostgreSQL, Redis and etcd.
 */

const WEB_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const BUILD_PAGE = fileURLToPath(new URL('../scripts/build-page.mjs', import.meta.url));
const LEASE_TTL_SECONDS = 2;
const NAME = 'two browsers follow their meeting from a killed SFU node to the other';

const isolated = inLoopbackNamespace();
if (!isolated) {
  if (chromiumInstalled()) process.exitCode = await rerunInLoopbackNamespace();
  else {
    const reason = `no Chromium at ${CHROMIUM} (scripts/bootstrap.mjs installs Debian's chromium)`;
    console.log(`skipping the browser test: ${reason}`);
    test(NAME, { skip: reason }, () => {});
  }
}

let etcd: PrivateEtcd | undefined;
let stack: MediaStack;
let web: ServiceUnderTest;
const sfus = new Map<string, ServiceUnderTest>();
const browsers: Browser[] = [];
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

/** The node query-api names for the meeting, once it names one other than `not`. */
async function placedOn(meetingId: string, token: string, not?: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await callApi(stack.query.baseUrl, 'GET', `/meetings/${meetingId}/media-server`, token);
    if (res.status === 200 && res.body.sfuNodeId !== not) return res.body.sfuNodeId as string;
    assert.ok(Date.now() < deadline, `placement of ${meetingId}: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startSfu(nodeId: string, rtcMinPort: number, etcdEndpoint: string): Promise<ServiceUnderTest> {
  return startProcessUnderTest({
    main: SFU_MAIN,
    readyMessage: 'sfu-node listening',
    shared: stack.shared,
    env: {
      SFU_PORT: '0',
      SFU_WORKERS: '1',
      SFU_RTC_MIN_PORT: String(rtcMinPort),
      SFU_RTC_MAX_PORT: String(rtcMinPort + 99),
      SFU_LISTEN_IP: '127.0.0.1',
      SFU_NODE_ID: nodeId,
      ETCD_ENDPOINTS: etcdEndpoint,
      ETCD_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      SFU_PLACEMENT_INTERVAL_MS: '200',
      SFU_LOAD_REPORT_MS: '200',
    },
  }).then((sfu) => (sfus.set(nodeId, sfu), sfu));
}

// The outer process only waits for the one inside the namespace: it must declare no test there.
if (isolated) describeTests();

function describeTests() {
  before(async () => {
    // The page is bundled anew: a bundle left from older sources must not be what is tested.
    const built = spawnSync(process.execPath, [BUILD_PAGE], { stdio: 'inherit' });
    assert.equal(built.status, 0, 'the page bundle builds');
    let webPort = 0;
    // query-api's env, completed once etcd runs (after the private servers, before query-api).
    const queryEnv: Record<string, string> = { ETCD_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS) };
    stack = await startMediaStack({
      privateServers: true,
      commandEnv: async () => {
        etcd = await startPrivateEtcd();
        queryEnv.ETCD_ENDPOINTS = etcd.endpoint;
        webPort = await freePort();
        queryEnv.CORS_ORIGINS = `http://127.0.0.1:${webPort}`;
        return { CORS_ORIGINS: `http://127.0.0.1:${webPort}` };
      },
      queryEnv,
    });
    const endpoint = etcd!.endpoint;
    await Promise.all([startSfu('sfu-a', 43000, endpoint), startSfu('sfu-b', 43100, endpoint)]);
    // No WEB_CLIENT_SFU_URL: the page asks query-api which node holds the meeting.
    web = await startProcessUnderTest({
      main: WEB_MAIN,
      readyMessage: 'web-client listening',
      shared: stack.shared,
      env: {
        WEB_CLIENT_PORT: String(webPort),
        WEB_CLIENT_COMMAND_API_URL: stack.command.baseUrl,
        WEB_CLIENT_QUERY_API_URL: stack.query.baseUrl,
      },
    });
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await web?.terminate();
    await Promise.all([...sfus.values()].map((s) => s.terminate()));
    await stack?.stop();
    await etcd?.stop();
  });

  test(NAME, { timeout: 120_000 }, async () => {
    const host = await user('host');
    const guest = await user('guest');
    const meetingId = (
      await ok('POST', '/meetings', host.token, {
        title: 'follow the placement',
        scheduledStartAt: '2030-01-07T09:00:00Z',
        settings: { access: 'open' },
      })
    ).meetingId as string;
    await ok('POST', `/meetings/${meetingId}/join`, host.token);
    await ok('POST', `/meetings/${meetingId}/start`, host.token);

    const [hostPage, guestPage] = await Promise.all([openClient('host'), openClient('guest')]);
    try {
      const timings = await Promise.all([
        signInAndJoin(hostPage, host.username, meetingId),
        signInAndJoin(guestPage, guest.username, meetingId),
      ]);
      const joined = performance.now();
      await Promise.all([
        statsWhen(hostPage, receivesBoth(guest.userId), 15_000, 'the host receives the guest'),
        statsWhen(guestPage, receivesBoth(host.userId), 15_000, 'the guest receives the host'),
      ]);
      const first = await placedOn(meetingId, host.token);
      const survivor = first === 'sfu-a' ? 'sfu-b' : 'sfu-a';
      console.log(
        `host ${timings[0]}, guest ${timings[1]}; both receive each other on ${first} ` +
          `${(performance.now() - joined).toFixed(0)} ms later`,
      );

      // The node holding the meeting dies; each page must find the meeting on the survivor.
      const killed = performance.now();
      await sfus.get(first)!.kill();
      /** How long after the kill the page joined again, and received the other's media. */
      const follow = async (page: Page, otherId: string, who: string) => {
        await joinedTimes(page, 2, 20_000);
        const joined = performance.now() - killed;
        // Readings of the new consumers only (the page made them after the kill).
        const now = await statsWhen(page, receivesBoth(otherId), 20_000 - joined, `${who}: media again`);
        const flowing = performance.now() - killed;
        await new Promise((r) => setTimeout(r, 1000));
        const later = await stats(page);
        const frames = [now, later].map((s) => from(s, otherId, 'video')?.framesDecoded ?? 0);
        const packets = [now, later].map((s) => from(s, otherId, 'audio')?.packetsReceived ?? 0);
        assert.ok(frames[1]! > frames[0]!, `${who}: frames go on: ${frames.join(' → ')}`);
        assert.ok(packets[1]! > packets[0]!, `${who}: audio goes on: ${packets.join(' → ')}`);
        return `${who} joined again ${joined.toFixed(0)} ms after the kill, media at ${flowing.toFixed(0)} ms (${received(later, otherId)} 1 s later)`;
      };
      const figures = await Promise.all([
        follow(hostPage, guest.userId, 'the host'),
        follow(guestPage, host.userId, 'the guest'),
      ]);
      console.log(`${first} killed: ${figures.join('; ')}`);
      assert.equal(await placedOn(meetingId, host.token, first), survivor, 'the meeting is on the survivor');
    } catch (error) {
      console.log(consoles.join('\n'));
      for (const page of [hostPage, guestPage]) console.log(await hookOf(page));
      throw error;
    }
  });
}

/**
 * npm run bench:lag — end-to-end lag at a steady 200 commands/s against the three real services
 * (command-service, projection-workers, query-api as processes on one fresh database): from a
 * command's answer to (1) its change pushed over query-api's WebSocket (Redis room cache) and
 * (2) a read-your-writes query for its position answered (PostgreSQL read tables).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startProcessUnderTest, startServiceProcess } from '@meetings/command-service/testing';
import WebSocket from 'ws';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// Measured after this long at the same rate: connection pools, caches and the JIT start cold.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const MEETINGS = 10;
const PER_MEETING = 10;

const main = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/main.ts`, import.meta.url));
// The services log as they would in production; the bench only discards what they write.
// The bench's rate is its own (BENCH_RATE); the per-user rate limit would cap it.
const commands = await startServiceProcess({ RATE_LIMIT_COMMANDS: '0' }, { keepLogs: false });
const shared = { db: commands.db, redisPrefix: commands.redisPrefix };
const worker = await startProcessUnderTest({
  main: main('projection-workers'),
  readyMessage: 'projection-workers running',
  shared,
  keepLogs: false,
});
const queries = await startProcessUnderTest({
  main: main('query-api'),
  readyMessage: 'query-api listening',
  shared,
  keepLogs: false,
});

// node:http with keep-alive: fetch (undici) costs the client several times the CPU per request,
// which on a small machine is taken from the services being measured.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A command, as a careful client sends it: with an Idempotency-Key, retried when the connection
 * breaks (a pooled keep-alive socket can be closed by the server just as it is reused).
 */
async function post(path: string, body?: unknown, token?: string): Promise<any> {
  const headers = {
    'idempotency-key': randomUUID(),
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await request(
        `${commands.baseUrl}${path}`,
        'POST',
        headers,
        body ? JSON.stringify(body) : undefined,
      );
      if (res.status >= 300) throw new HttpError(`${path}: ${res.status} ${res.text}`);
      return JSON.parse(res.text);
    } catch (error) {
      if (error instanceof HttpError || attempt === 3) throw error;
      retries += 1;
    }
  }
}
class HttpError extends Error {}
let retries = 0;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

try {
  const users: { token: string; userId: string }[] = [];
  for (let i = 0; i < PER_MEETING; i++) {
    const username = `lag_${i}`;
    await post('/users', { username, email: `${username}@example.com`, password: 'correct horse battery' });
    users.push(await post('/sessions', { username, password: 'correct horse battery' }));
  }
  const host = users[0]!;
  const meetings: string[] = [];
  for (let m = 0; m < MEETINGS; m++) {
    const { meetingId } = await post(
      '/meetings',
      {
        title: `Lag ${m}`,
        scheduledStartAt: new Date().toISOString(),
        maxParticipants: 50,
        settings: { access: 'open' },
      },
      host.token,
    );
    await post(`/meetings/${meetingId}/start`, undefined, host.token);
    for (const u of users) await post(`/meetings/${meetingId}/join`, undefined, u.token);
    meetings.push(meetingId);
  }

  // WebSocket: the host watches every room; remember when each version arrived.
  const pushed = new Map<string, number>();
  const waiting = new Map<string, ((t: number) => void)[]>();
  const ws = new WebSocket(`ws://127.0.0.1:${queries.port}/ws?token=${host.token}`);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  ws.on('message', (raw: Buffer) => {
    const msg = JSON.parse(raw.toString('utf8')) as { type: string; meetingId: string; version: number };
    if (msg.type !== 'room') return;
    const key = `${msg.meetingId}@${msg.version}`;
    pushed.set(key, performance.now());
    for (const resolve of waiting.get(key) ?? []) resolve(performance.now());
    waiting.delete(key);
  });
  for (const id of meetings) ws.send(JSON.stringify({ type: 'subscribe', meetingId: id }));
  await new Promise((r) => setTimeout(r, 500));

  const wsLag: number[] = [];
  const missed: string[] = [];
  const failures: string[] = [];
  const readLag: number[] = [];
  // A participant toggles its own mute; never two toggles of one participant in flight, or the
  // second could overtake the first and answer as a no-op.
  const pairs = meetings.flatMap((meetingId) =>
    users.map((u) => ({ meetingId, user: u, muted: false, busy: false })),
  );
  let next = 0;
  const warmup = RATE * WARMUP_SECONDS;
  const total = warmup + RATE * SECONDS;
  const started = performance.now();
  const measuredFrom = started + WARMUP_SECONDS * 1000;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let pair = pairs[next++ % pairs.length]!;
    for (let tries = 0; pair.busy && tries < pairs.length; tries++) pair = pairs[next++ % pairs.length]!;
    // Every participant waits for an answer: the services are saturated; the achieved rate shows it.
    while (pair.busy) {
      await new Promise((r) => setTimeout(r, 1));
      pair = pairs.find((p) => !p.busy) ?? pair;
    }
    pair.busy = true;
    pair.muted = !pair.muted;
    const action = pair.muted ? 'mute' : 'unmute';
    const measured = i >= warmup;
    inFlight.push(
      (async () => {
        try {
          const answer = await post(
            `/meetings/${pair.meetingId}/participants/${pair.user.userId}/${action}`,
            undefined,
            pair.user.token,
          );
          const accepted = performance.now();
          const key = `${pair.meetingId}@${answer.version}`;
          const seen =
            pushed.get(key) ??
            (await new Promise<number | null>((resolve) => {
              waiting.set(key, [...(waiting.get(key) ?? []), resolve]);
              setTimeout(() => resolve(null), 5000);
            }));
          if (seen === null) missed.push(`${key} (${action})`);
          else if (measured) wsLag.push(Math.max(0, seen - accepted));
          const res = await request(
            `${queries.baseUrl}/meetings/${pair.meetingId}?minPosition=${answer.position}`,
            'GET',
            { authorization: `Bearer ${pair.user.token}` },
          );
          if (res.status !== 200) throw new Error(`read-your-writes: ${res.status}`);
          if (measured) readLag.push(performance.now() - accepted);
        } catch (error) {
          failures.push(String(error));
        } finally {
          pair.busy = false;
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const achieved = (total - warmup) / ((performance.now() - measuredFrom) / 1000);
  ws.close();
  agent.destroy();
  console.log(
    `end-to-end lag, ${total - warmup} commands at ${achieved.toFixed(0)} commands/s (target rate ${RATE}), after ${warmup} at the same rate to warm up; ms`,
  );
  console.log(
    `  pushed over WebSocket (Redis room cache):    p50 ${percentile(wsLag, 50).toFixed(1)}  p99 ${percentile(wsLag, 99).toFixed(1)}  max ${Math.max(...wsLag).toFixed(1)}`,
  );
  console.log(
    `  read-your-writes query (PostgreSQL tables):  p50 ${percentile(readLag, 50).toFixed(1)}  p99 ${percentile(readLag, 99).toFixed(1)}  max ${Math.max(...readLag).toFixed(1)}`,
  );
  if (missed.length)
    console.log(`  ${missed.length} changes never pushed within 5 s, e.g. ${missed.slice(0, 3).join(', ')}`);
  console.log(`  target: p99 under 100 ms (${retries} commands retried after a broken connection)`);
} catch (error) {
  const errors = [commands, worker, queries].flatMap((s) => s.logs.filter((l) => Number(l.level) >= 50));
  console.error('bench failed:', error, '\nservice errors:', JSON.stringify(errors.slice(0, 5), null, 1));
  process.exitCode = 1;
} finally {
  await queries.stop();
  await worker.stop();
  await commands.stop();
}

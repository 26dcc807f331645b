import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishWithFfmpeg } from '../src/testing/ffmpeg-publisher.js';
import { SignalingClient } from '../src/testing/signaling-client.js';
import { receiveAll } from '../src/testing/werift-receiver.js';
import type { User } from './participants.js';
import { JOIN_WARMUP } from './settings.js';

/**
 * Sequential joins of a werift peer, one per user, from opening the WebSocket to the first RTP
 * packet and to the first video packet (ms); the first JOIN_WARMUP unmeasured. The host publishes
 * an opus feed for them (its ffmpeg added to `children`) beside the video the relay feeds.
 */
export async function measureJoins(options: {
  wsUrl: string;
  meetingId: string;
  hostClient: SignalingClient;
  users: User[];
  children: ChildProcess[];
}): Promise<{ firstRtp: number[]; firstVideo: number[] }> {
  const { wsUrl, meetingId, users } = options;
  const audio = await publishWithFfmpeg(options.hostClient, 'audio', { seconds: 3600 });
  options.children.push(audio.ffmpeg);
  await sleep(2000);
  const firstRtp: number[] = [];
  const firstVideo: number[] = [];
  for (let j = 0; j < users.length; j++) {
    // Sequential joins would otherwise fall into step with ffmpeg's keyframes (each one ending
    // on a keyframe, the next one starting just after it).
    await sleep(Math.random() * 1000);
    let any = 0;
    let video = 0;
    const t0 = performance.now();
    const client = await SignalingClient.open(`${wsUrl}?token=${users[j]!.token}`);
    const joined = await client.request('join', { meetingId });
    const ids = joined.producers.map((p: any) => p.producerId as string);
    const receiver = await receiveAll(client, joined.rtpCapabilities, ids, (kind) => {
      const at = performance.now();
      if (!any) any = at;
      if (kind === 'video' && !video) video = at;
    });
    const deadline = Date.now() + 10_000;
    while ((!any || !video) && Date.now() < deadline) await sleep(1);
    await receiver.close();
    await client.close();
    if (!any || !video) {
      throw new Error(
        `join ${j}: no ${any ? 'video' : 'RTP'} within 10 s (${JSON.stringify(receiver.received)})`,
      );
    }
    if (j < JOIN_WARMUP) continue;
    firstRtp.push(any - t0);
    firstVideo.push(video - t0);
  }
  return { firstRtp, firstVideo };
}

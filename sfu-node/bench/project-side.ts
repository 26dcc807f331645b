import { setTimeout as sleep } from 'node:timers/promises';
import { VP8_FEED_RTP_PARAMETERS } from '../src/testing/ffmpeg-publisher.js';
import { consumeOverPlain, plainReceiverCapabilities } from '../src/testing/plain-receiver.js';
import { SignalingClient } from '../src/testing/signaling-client.js';
import { inParallel } from './in-parallel.js';
import type { User } from './participants.js';
import { SOCKETS } from './settings.js';
import type { Side } from './side.js';
import type { Sink } from './sink.js';

/** A participant consuming the feed; its WebSocket opens when it first gets a consumer. */
export interface Viewer extends User {
  client: SignalingClient | null;
}

/** Joins once the room cache shows the user present (the projection runs a few ms behind). */
export async function joinWhenPresent(client: SignalingClient, meetingId: string): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await client.answer('join', { meetingId });
    if (!answer.error) return answer.result;
    if (Date.now() > deadline) throw new Error(`join: ${JSON.stringify(answer.error)}`);
    await sleep(20);
  }
}

/**
 * The project's SFU, through the signaling: the host publishes the feed (createPlainTransport +
 * produce); consumer i is viewer i mod viewers.length's, over a plain recv transport of its own
 * sending to one of the sink's ports. Every client opened is added to `clients` (to be closed).
 */
export async function projectSide(options: {
  wsUrl: string;
  meetingId: string;
  host: User;
  viewers: Viewer[];
  sfuPid: number;
  sfuWorkerPid: number;
  sink: Sink;
  sinkPorts: number[];
  clients: SignalingClient[];
}): Promise<{ project: Side; hostClient: SignalingClient }> {
  const { wsUrl, meetingId, host, viewers, sink, sinkPorts, clients } = options;
  const viewerCount = viewers.length;
  const hostClient = await SignalingClient.open(`${wsUrl}?token=${host.token}`);
  clients.push(hostClient);
  const hostJoined = await joinWhenPresent(hostClient, meetingId);
  const projectCapabilities = plainReceiverCapabilities(hostJoined.rtpCapabilities);
  const sendT = await hostClient.request('createPlainTransport', { direction: 'send' });
  const { producerId } = await hostClient.request('produce', {
    transportId: sendT.transportId,
    kind: 'video',
    rtpParameters: VP8_FEED_RTP_PARAMETERS,
    appData: { source: 'camera' },
  });
  const project: Side = {
    name: 'project',
    input: { port: sendT.port, rtcpPort: sendT.rtcpPort },
    workerPid: options.sfuWorkerPid,
    nodePid: options.sfuPid,
    slots: [],
    passed: null,
    failedAt: null,
    costAt: new Map(),
    grow: async (n) => {
      const from = project.slots.length;
      const added: number[] = [];
      // The new consumers by viewer: one task per viewer (its requests are answered in order).
      const byViewer = new Map<number, number[]>();
      for (let i = from; i < n; i++)
        byViewer.set(i % viewerCount, [...(byViewer.get(i % viewerCount) ?? []), i]);
      await inParallel([...byViewer], 16, async ([v, indexes]) => {
        const viewer = viewers[v]!;
        if (!viewer.client) {
          viewer.client = await SignalingClient.open(`${wsUrl}?token=${viewer.token}`);
          clients.push(viewer.client);
          await joinWhenPresent(viewer.client, meetingId);
        }
        for (const i of indexes) {
          await consumeOverPlain(
            viewer.client,
            producerId,
            projectCapabilities,
            sinkPorts[i % SOCKETS]!,
            (ssrc) => {
              added[i - from] = sink.registerSsrc(ssrc);
            },
          );
        }
      });
      project.slots.push(...added);
    },
  };
  return { project, hostClient };
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { SignalingClient } from './signaling-client.js';

/**
 * Publishes a test tone (opus) or pattern (VP8) as the client's user: a plain transport and a
 * producer through the signaling, and ffmpeg sending RTP into it (RTCP on its own port, as
 * infra/mediasoup/media-test.mjs found necessary). Kill the returned process when done.
 */
export async function publishWithFfmpeg(
  client: SignalingClient,
  kind: 'audio' | 'video',
): Promise<{ producerId: string; ffmpeg: ChildProcess }> {
  const pt = kind === 'audio' ? 101 : 102;
  const ssrc = kind === 'audio' ? 11111111 : 22222222;
  const t = await client.request('createPlainTransport', {});
  const codec =
    kind === 'audio'
      ? { mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: pt, rtcpFeedback: [] }
      : { mimeType: 'video/VP8', clockRate: 90000, payloadType: pt, rtcpFeedback: [] };
  const produced = await client.request('produce', {
    transportId: t.transportId,
    kind,
    rtpParameters: { codecs: [codec], encodings: [{ ssrc }] },
    appData: { source: kind === 'audio' ? 'mic' : 'camera' },
  });
  const input =
    kind === 'audio'
      ? [
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440:sample_rate=48000',
          '-ac',
          '2',
          '-c:a',
          'libopus',
          '-b:a',
          '64k',
        ]
      : ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-c:v', 'libvpx', '-b:v', '500k'].concat([
          '-deadline',
          'realtime',
          '-cpu-used',
          '8',
          '-g',
          '30',
        ]);
  const target = `rtp://${t.ip}:${t.port}?rtcpport=${t.rtcpPort}&pkt_size=1200`;
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', ...input, '-t', '60'].concat([
      '-payload_type',
      String(pt),
      '-ssrc',
      String(ssrc),
      '-f',
      'rtp',
      target,
    ]),
    { stdio: 'ignore' },
  );
  return { producerId: produced.producerId as string, ffmpeg };
}

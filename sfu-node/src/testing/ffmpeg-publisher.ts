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
  { seconds = 60 }: { seconds?: number } = {},
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
    ['-hide_banner', '-loglevel', 'error', '-re', ...input, '-t', String(seconds)].concat([
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

/** The RTP parameters of spawnVp8Feed's stream, for a `produce`. */
export const VP8_FEED_RTP_PARAMETERS = {
  codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 102, rtcpFeedback: [] }],
  encodings: [{ ssrc: 22222222 }],
};

/**
 * ffmpeg sending a VP8 test pattern as RTP (payload type and SSRC of VP8_FEED_RTP_PARAMETERS) to
 * 127.0.0.1:`port` (RTCP to `rtcpPort`) until killed, as infra/mediasoup/capacity.mjs does: libvpx
 * realtime, a keyframe every 30 frames, packets of at most 1200 bytes. ffmpeg answers no keyframe
 * request: a new consumer waits for the next keyframe.
 */
export function spawnVp8Feed(
  port: number,
  rtcpPort: number,
  { size = '640x480', rate = 30, bitrate = '1M' }: { size?: string; rate?: number; bitrate?: string } = {},
): ChildProcess {
  const { payloadType } = VP8_FEED_RTP_PARAMETERS.codecs[0]!;
  const { ssrc } = VP8_FEED_RTP_PARAMETERS.encodings[0]!;
  return spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${size}:rate=${rate}`,
    ].concat(
      ['-c:v', 'libvpx', '-b:v', bitrate, '-deadline', 'realtime', '-cpu-used', '8', '-g', String(rate)],
      ['-payload_type', String(payloadType), '-ssrc', String(ssrc), '-f', 'rtp'],
      [`rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}&pkt_size=1200`],
    ),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

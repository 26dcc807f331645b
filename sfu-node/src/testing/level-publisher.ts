import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { SignalingClient } from './signaling-client.js';

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const EXTENSION_ID = 1;
const PAYLOAD_TYPE = 101;
/** 20 ms of mono 48 kHz audio: one opus packet's worth. */
const WINDOW_SAMPLES = 960;

/** The RFC 6464 level of 16-bit samples: -dBov, 0 (loudest) to 127 (silence). */
export function audioLevel(samples: Int16Array): number {
  if (samples.length === 0) return 127;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length) / 32768;
  if (rms <= 0) return 127;
  return Math.max(0, Math.min(127, Math.round(-20 * Math.log10(rms))));
}

/** An RTP packet with the one-byte header extension carrying `level` (and voice activity). */
export function withAudioLevel(packet: Buffer, level: number): Buffer {
  const csrcBytes = (packet[0]! & 0x0f) * 4;
  // ffmpeg's RTP muxer writes no extension; a packet that has one is passed on as it is.
  if (packet[0]! & 0x10) return packet;
  const header = Buffer.from(packet.subarray(0, 12 + csrcBytes));
  header[0] = header[0]! | 0x10;
  const voice = level < 127 ? 0x80 : 0;
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, (EXTENSION_ID << 4) | 0, voice | level, 0, 0]);
  return Buffer.concat([header, extension, packet.subarray(12 + csrcBytes)]);
}

export interface LevelPublisher {
  producerId: string;
  stop(): void;
}

/**
 * Publishes opus as a browser would as far as audio levels go: ffmpeg encodes a tone (`sine`) or
 * silence and also hands this process the same audio as PCM; every RTP packet is forwarded to
 * the SFU with the RFC 6464 level of the latest 20 ms of that PCM (browsers measure it the same
 * way, before encoding). ffmpeg's RTP muxer cannot write the extension itself.
 */
export async function publishWithLevels(
  client: SignalingClient,
  sound: 'sine' | 'silence',
  ssrc: number,
): Promise<LevelPublisher> {
  const t = await client.request('createPlainTransport', {});
  const produced = await client.request('produce', {
    transportId: t.transportId,
    kind: 'audio',
    rtpParameters: {
      codecs: [
        {
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: PAYLOAD_TYPE,
          rtcpFeedback: [],
        },
      ],
      encodings: [{ ssrc }],
      headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: EXTENSION_ID }],
    },
    appData: { source: 'mic' },
  });
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let recent = new Int16Array(0);
  socket.on('message', (packet) => {
    socket.send(withAudioLevel(packet, audioLevel(recent)), t.port as number, t.ip as string);
  });
  const input = sound === 'sine' ? 'sine=frequency=440:sample_rate=48000' : 'anullsrc=r=48000:cl=mono';
  const ffmpeg: ChildProcess = spawn(
    'ffmpeg',
    [...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', input, '-t', '60']].concat(
      ['-map', '0:a', '-ac', '2', '-c:a', 'libopus', '-b:a', '64k'],
      ['-payload_type', String(PAYLOAD_TYPE), '-ssrc', String(ssrc), '-f', 'rtp'],
      [`rtp://127.0.0.1:${socket.address().port}?rtcpport=${t.rtcpPort}&pkt_size=1200`],
      ['-map', '0:a', '-ac', '1', '-f', 's16le', 'pipe:1'],
    ),
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let pending = Buffer.alloc(0);
  ffmpeg.stdout!.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    const bytes = WINDOW_SAMPLES * 2;
    if (pending.length < bytes) return;
    const window = pending.subarray(
      pending.length - bytes - (pending.length % 2),
      pending.length - (pending.length % 2),
    );
    recent = new Int16Array(window.buffer.slice(window.byteOffset, window.byteOffset + window.length));
    pending = Buffer.alloc(0);
  });
  return {
    producerId: produced.producerId as string,
    stop: () => {
      ffmpeg.kill('SIGKILL');
      socket.close();
    },
  };
}

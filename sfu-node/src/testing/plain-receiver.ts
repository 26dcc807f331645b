import dgram from 'node:dgram';
import type { SignalingClient } from './signaling-client.js';

/** RTCP packet types (RFC 3550, 4585): SR, RR, SDES, BYE, APP, RTPFB, PSFB. */
export const isRtcp = (packet: Buffer) => packet.length >= 2 && packet[1]! >= 200 && packet[1]! <= 206;

/**
 * A UDP socket on 127.0.0.1 counting the RTP packets it receives per SSRC (RTCP apart), as a
 * plain-RTP receiver of the SFU (a recorder, say) would see them.
 */
export class RtpCounter {
  readonly rtp = new Map<number, number>();
  rtcp = 0;
  /** Payload types seen, per SSRC. */
  readonly payloadTypes = new Map<number, Set<number>>();

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (packet) => {
      if (isRtcp(packet)) {
        this.rtcp++;
        return;
      }
      if (packet.length < 12) return;
      const ssrc = packet.readUInt32BE(8);
      this.rtp.set(ssrc, (this.rtp.get(ssrc) ?? 0) + 1);
      const pt = packet[1]! & 0x7f;
      if (!this.payloadTypes.get(ssrc)?.has(pt))
        this.payloadTypes.set(ssrc, new Set([...(this.payloadTypes.get(ssrc) ?? []), pt]));
    });
  }

  static async open(recvBufferSize = 4 * 1024 * 1024): Promise<RtpCounter> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpCounter(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  count(ssrc: number): number {
    return this.rtp.get(ssrc) ?? 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * What a plain-RTP receiver such as a recorder can take, out of the router's RTP capabilities:
 * the codecs without RTX and with keyframe requests as their only feedback (it may send PLI or FIR
 * over RTCP; it sends no NACK nor congestion feedback), and no header extension. With the router's
 * own capabilities mediasoup would keep a retransmission buffer per consumer and probe each
 * transport's bandwidth (padding packets) for feedback that never comes.
 */
export function plainReceiverCapabilities(routerCapabilities: any): any {
  return {
    codecs: routerCapabilities.codecs
      .filter((c: any) => !/\/rtx$/i.test(c.mimeType))
      .map((c: any) => ({
        ...c,
        rtcpFeedback: (c.rtcpFeedback ?? []).filter(
          (f: any) =>
            (f.type === 'nack' && f.parameter === 'pli') || (f.type === 'ccm' && f.parameter === 'fir'),
        ),
      })),
    headerExtensions: [],
  };
}

export interface PlainConsumer {
  transportId: string;
  consumerId: string;
  /** The SSRC the SFU sends this consumer's RTP with. */
  ssrc: number;
  payloadType: number;
}

/**
 * Receives a producer over plain RTP through the signaling: a recv plain transport (RTCP muxed)
 * connected to `port` on 127.0.0.1, a consumer, resumed. `beforeResume` is told the consumer's
 * SSRC while it is still paused.
 */
export async function consumeOverPlain(
  client: SignalingClient,
  producerId: string,
  rtpCapabilities: unknown,
  port: number,
  beforeResume?: (ssrc: number) => void,
): Promise<PlainConsumer> {
  const t = await client.request('createPlainTransport', { direction: 'recv' });
  await client.request('connectPlainTransport', { transportId: t.transportId, ip: '127.0.0.1', port });
  const consumed = await client.request('consume', {
    transportId: t.transportId,
    producerId,
    rtpCapabilities,
  });
  const plain: PlainConsumer = {
    transportId: t.transportId,
    consumerId: consumed.consumerId,
    ssrc: consumed.rtpParameters.encodings[0].ssrc,
    payloadType: consumed.rtpParameters.codecs[0].payloadType,
  };
  beforeResume?.(plain.ssrc);
  await client.request('resumeConsumer', { consumerId: consumed.consumerId });
  return plain;
}

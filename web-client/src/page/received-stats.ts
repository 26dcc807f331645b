import type { types } from 'mediasoup-client';

/** What the page receives of one remote track: its consumer's `inbound-rtp` statistics. */
export interface ReceivedStats {
  userId: string;
  kind: 'audio' | 'video';
  producerId: string;
  consumerId: string;
  packetsReceived: number;
  bytesReceived: number;
  /** Video only (0 for audio). */
  framesDecoded: number;
  frameWidth: number | null;
  frameHeight: number | null;
}

export async function receivedStats(consumer: types.Consumer, userId: string): Promise<ReceivedStats> {
  let inbound: RTCInboundRtpStreamStats | undefined;
  (await consumer.getStats()).forEach((stat: RTCStats) => {
    if (stat.type === 'inbound-rtp') inbound = stat as RTCInboundRtpStreamStats;
  });
  return {
    userId,
    kind: consumer.kind,
    producerId: consumer.producerId,
    consumerId: consumer.id,
    packetsReceived: inbound?.packetsReceived ?? 0,
    bytesReceived: inbound?.bytesReceived ?? 0,
    framesDecoded: inbound?.framesDecoded ?? 0,
    frameWidth: inbound?.frameWidth ?? null,
    frameHeight: inbound?.frameHeight ?? null,
  };
}

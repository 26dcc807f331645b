import { RTCPeerConnection } from 'werift';
import type { SignalingClient } from './signaling-client.js';

export interface Received {
  audio: number;
  video: number;
}

interface Consumed {
  consumerId: string;
  kind: 'audio' | 'video';
  rtpParameters: any;
}

/**
 * The SDP offer mediasoup's side would make (ICE-lite, send-only, one m-line per consumer, all
 * bundled), written from the transport's and consumers' parameters as a browser client library
 * would; werift answers it. Adapted from infra/mediasoup/werift-test.mjs.
 */
function offerSdp(transport: any, consumers: Consumed[]): string {
  const { iceParameters, iceCandidates, dtlsParameters } = transport;
  const fp = dtlsParameters.fingerprints.find((f: any) => f.algorithm === 'sha-256');
  const mids = consumers.map((_, i) => String(i));
  const lines = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${mids.join(' ')}`,
  ];
  consumers.forEach((c, i) => {
    const rp = c.rtpParameters;
    lines.push(
      `m=${c.kind} 7 UDP/TLS/RTP/SAVPF ${rp.codecs.map((x: any) => x.payloadType).join(' ')}`,
      'c=IN IP4 127.0.0.1',
      `a=mid:${i}`,
      'a=sendonly',
      'a=rtcp-mux',
      `a=ice-ufrag:${iceParameters.usernameFragment}`,
      `a=ice-pwd:${iceParameters.password}`,
      `a=fingerprint:${fp.algorithm} ${fp.value}`,
      'a=setup:actpass',
    );
    for (const ext of rp.headerExtensions ?? []) lines.push(`a=extmap:${ext.id} ${ext.uri}`);
    for (const codec of rp.codecs) {
      const sub = codec.mimeType.split('/')[1];
      const channels = codec.channels > 1 ? `/${codec.channels}` : '';
      lines.push(`a=rtpmap:${codec.payloadType} ${sub}/${codec.clockRate}${channels}`);
      const fmtp = Object.entries(codec.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`);
      if (fmtp.length) lines.push(`a=fmtp:${codec.payloadType} ${fmtp.join(';')}`);
      for (const fb of codec.rtcpFeedback ?? []) {
        lines.push(`a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
      }
    }
    const enc = rp.encodings[0];
    if (enc.rtx) lines.push(`a=ssrc-group:FID ${enc.ssrc} ${enc.rtx.ssrc}`);
    for (const ssrc of [enc.ssrc, enc.rtx?.ssrc].filter(Boolean)) {
      lines.push(`a=ssrc:${ssrc} cname:${rp.rtcp.cname}`, `a=ssrc:${ssrc} msid:ms ${c.consumerId}`);
    }
    for (const cand of iceCandidates) {
      lines.push(
        `a=candidate:${cand.foundation} 1 ${cand.protocol} ${cand.priority} ${cand.address} ${cand.port} typ ${cand.type}`,
      );
    }
    lines.push('a=end-of-candidates');
  });
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A werift peer receiving every producer of the meeting through the project's signaling: a recv
 * transport, one paused consumer per producer, ICE + DTLS + SRTP, then the consumers resumed.
 * `received` counts the RTP packets per kind; `onRtp`, when given, is called on each.
 */
export async function receiveAll(
  client: SignalingClient,
  rtpCapabilities: unknown,
  producerIds: string[],
  onRtp?: (kind: 'audio' | 'video') => void,
): Promise<{ received: Received; close: () => Promise<void> }> {
  const transport = await client.request('createWebRtcTransport', { direction: 'recv' });
  const consumers: Consumed[] = [];
  for (const producerId of producerIds) {
    consumers.push(
      await client.request('consume', { transportId: transport.transportId, producerId, rtpCapabilities }),
    );
  }
  const pc = new RTCPeerConnection({
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  });
  const received: Received = { audio: 0, video: 0 };
  pc.onTrack.subscribe((track) => {
    const kind = track.kind as 'audio' | 'video';
    track.onReceiveRtp.subscribe(() => {
      received[kind]++;
      onRtp?.(kind);
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp(transport, consumers) });
  await pc.setLocalDescription(await pc.createAnswer());
  const local = pc.localDescription!.sdp;
  const setup = /a=setup:(\w+)/.exec(local)![1];
  const [, algorithm, value] = /a=fingerprint:(\S+) (\S+)/.exec(local)!;
  await client.request('connectTransport', {
    transportId: transport.transportId,
    dtlsParameters: { role: setup === 'active' ? 'client' : 'server', fingerprints: [{ algorithm, value }] },
  });
  for (const c of consumers) await client.request('resumeConsumer', { consumerId: c.consumerId });
  return { received, close: () => pc.close() };
}

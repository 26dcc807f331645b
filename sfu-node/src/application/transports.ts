import type { types } from 'mediasoup';
import { plainDestinationRefusal } from '../domain/plain-destination.js';
import type { PlainDestination } from '../domain/plain-destination.js';
import { SignalingError } from './errors.js';
import type { Peer, PeerTransport } from './peer.js';

export interface MediaSettings {
  listenIp: string;
  announcedAddress: string | undefined;
}

/*
 * A peer's transports, made on its router (RoomRouters.routerOf) and connected once.
 */

type Transport = PeerTransport['transport'];

/** Keeps the transport as the peer's; closes it if the peer left while it was made. */
function keep(peer: Peer, router: types.Router, transport: Transport, direction: 'send' | 'recv'): void {
  if (peer.closed) {
    transport.close();
    throw new SignalingError('not-joined', 'you left the meeting');
  }
  peer.transports.set(transport.id, { transport, direction, connected: false, router });
}

export async function openWebRtcTransport(
  router: types.Router,
  media: MediaSettings,
  peer: Peer,
  direction: 'send' | 'recv',
) {
  const transport = await router.createWebRtcTransport({
    listenInfos: [{ protocol: 'udp', ip: media.listenIp, announcedAddress: media.announcedAddress }],
    appData: { userId: peer.userId, direction },
  });
  keep(peer, router, transport, direction);
  return {
    transportId: transport.id,
    iceParameters: transport.iceParameters,
    iceCandidates: transport.iceCandidates,
    dtlsParameters: transport.dtlsParameters,
  };
}

/**
 * Plain RTP (no ICE, DTLS nor SRTP: for loopback and trusted networks). `send`: RTP in, a tool
 * such as ffmpeg publishing for the user; comedia: the transport learns the sender from its first
 * packet, RTCP on a port of its own. `recv`: consumers' RTP out, to the address
 * connectPlainTransport gives; RTCP on the RTP port unless `rtcpMux` is false (one SFU port per
 * transport, and one socket for the receiver, which sends its RTCP from where it receives).
 */
export async function openPlainTransport(
  router: types.Router,
  media: MediaSettings,
  peer: Peer,
  direction: 'send' | 'recv',
  rtcpMux = true,
) {
  const listenInfo = {
    protocol: 'udp' as const,
    ip: media.listenIp,
    announcedAddress: media.announcedAddress,
  };
  const appData = { userId: peer.userId, direction };
  const transport =
    direction === 'send'
      ? await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: true, appData })
      : await router.createPlainTransport({ listenInfo, rtcpMux, comedia: false, appData });
  keep(peer, router, transport, direction);
  const { localAddress, localPort } = transport.tuple;
  return {
    transportId: transport.id,
    ip: localAddress,
    port: localPort,
    rtcpPort: transport.rtcpTuple?.localPort,
  };
}

export async function connectWebRtc(peer: Peer, transportId: unknown, dtlsParameters: types.DtlsParameters) {
  const entry = peer.transport(transportId);
  const { transport } = entry;
  if (transport.type !== 'webrtc')
    throw new SignalingError('wrong-transport', 'a plain transport needs no connectTransport');
  await connectOnce(entry, () => transport.connect({ dtlsParameters }));
}

/**
 * Where a plain recv transport sends its consumers' RTP (and RTCP): only an address of the
 * client itself (domain/plain-destination.ts). `clientAddress`: where the client's signaling
 * connection comes from, undefined when not known.
 */
export async function connectPlain(
  peer: Peer,
  transportId: unknown,
  destination: PlainDestination,
  clientAddress: string | undefined,
  listenIp: string,
) {
  const entry = peer.transport(transportId);
  const { transport } = entry;
  if (transport.type !== 'plain' || entry.direction !== 'recv') {
    throw new SignalingError(
      'wrong-transport',
      transport.type === 'plain'
        ? 'a plain send transport learns its sender from its first packet'
        : 'connectTransport connects a WebRTC transport',
    );
  }
  if (entry.connected) throw new SignalingError('already-connected', 'this transport is connected already');
  const rtcpMux = transport.rtcpTuple === undefined;
  if (rtcpMux && destination.rtcpPort !== undefined)
    throw new SignalingError('invalid-params', 'rtcpPort: this transport takes RTCP on its RTP port');
  if (!rtcpMux && destination.rtcpPort === undefined)
    throw new SignalingError(
      'invalid-params',
      'rtcpPort: required, the transport was made with rtcpMux false',
    );
  const refusal = plainDestinationRefusal(destination, clientAddress, listenIp);
  if (refusal) throw new SignalingError('destination-not-allowed', refusal);
  const { ip, port, rtcpPort } = destination;
  await connectOnce(entry, () => transport.connect({ ip, port, ...(rtcpMux ? {} : { rtcpPort }) }));
}

/** Connects a transport once: a second connect (even while the first runs) is refused. */
async function connectOnce(entry: PeerTransport, connect: () => Promise<void>): Promise<void> {
  if (entry.connected) throw new SignalingError('already-connected', 'this transport is connected already');
  entry.connected = true;
  try {
    await connect();
  } catch (error) {
    entry.connected = false;
    throw error;
  }
}

import type { types } from 'mediasoup';
import type { PresentParticipant } from '../domain/room.js';
import { pausedByMeeting } from '../domain/rules.js';
import type { MediaSource } from '../domain/rules.js';
import { SignalingError } from './errors.js';
import type { Notification, PeerLink, ProducerInfo } from './peer-link.js';

type Transport = types.WebRtcTransport | types.PlainTransport;

export interface PeerTransport {
  transport: Transport;
  direction: 'send' | 'recv';
  /** The router it is on: the peer's (RoomRouters.routerOf). */
  router: types.Router;
  /** Connected (connectTransport, connectPlainTransport) or being connected: once only. */
  connected: boolean;
}

export interface PeerProducer {
  producer: types.Producer;
  source: MediaSource;
  /** Paused by its owner's `pauseProducer`; the meeting may hold it paused as well. */
  ownerPaused: boolean;
}

/**
 * One user's media in one meeting: their transports, producers and consumers. It outlives a
 * dropped signaling connection for the reconnection grace period (`link` is null meanwhile), so a
 * network blip does not cut everyone off from their media.
 */
export class Peer {
  readonly transports = new Map<string, PeerTransport>();
  readonly producers = new Map<string, PeerProducer>();
  readonly consumers = new Map<string, types.Consumer>();
  link: PeerLink | null;
  graceTimer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    readonly userId: string,
    link: PeerLink,
    public participant: PresentParticipant,
  ) {
    this.link = link;
  }

  notify(message: Notification): void {
    this.link?.notify(message);
  }

  transport(id: unknown): PeerTransport {
    const found = typeof id === 'string' ? this.transports.get(id) : undefined;
    if (!found) throw new SignalingError('transport-not-found', `no transport ${String(id)} of yours`);
    return found;
  }

  producer(id: unknown): PeerProducer {
    const found = typeof id === 'string' ? this.producers.get(id) : undefined;
    if (!found) throw new SignalingError('producer-not-found', `no producer ${String(id)} of yours`);
    return found;
  }

  consumer(id: unknown): types.Consumer {
    const found = typeof id === 'string' ? this.consumers.get(id) : undefined;
    if (!found) throw new SignalingError('consumer-not-found', `no consumer ${String(id)} of yours`);
    return found;
  }

  info(id: string, p: PeerProducer): ProducerInfo {
    const kind = p.producer.kind;
    return { producerId: id, userId: this.userId, kind, source: p.source, paused: p.producer.paused };
  }

  /** Whether the producer must be paused now: by its owner, or by the meeting's mute/video state. */
  shouldPause(p: PeerProducer): boolean {
    return p.ownerPaused || pausedByMeeting(p.source, this.participant);
  }

  /** Closes every transport (and with them producers and consumers). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}

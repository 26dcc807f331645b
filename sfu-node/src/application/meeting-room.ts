import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { PlainDestination } from '../domain/plain-destination.js';
import type { Room } from '../domain/room.js';
import { verdictFor } from '../domain/rules.js';
import type { MediaSource } from '../domain/rules.js';
import { SignalingError } from './errors.js';
import type { CloseReason } from './media-streams.js';
import { Peer } from './peer.js';
import type { PeerProducer } from './peer.js';
import { CLOSE } from './peer-link.js';
import type { Notification, PeerLink, ProducerInfo } from './peer-link.js';
import { RoomRouters } from './room-routers.js';
import type { PlacedRouter, RouterFactory } from './room-routers.js';
import { connectPlain, connectWebRtc, openPlainTransport, openWebRtcTransport } from './transports.js';
import type { MediaSettings } from './transports.js';

export type { MediaSettings };

/** Where the meeting's routers come from (Sfu): the first one, more when it outgrows it. */
export interface Routing {
  first: PlacedRouter;
  another: RouterFactory;
  /** Peers a router takes before another is added on another worker. */
  maxPeersPerRouter: number;
}

/** Where the room reports its producers' lives (the media-stream events). */
export interface ProducerLog {
  /** `router`: the one the producer was made on (its audio level is observed there). */
  published(
    meetingId: string,
    userId: string,
    producer: types.Producer,
    source: MediaSource,
    router?: types.Router,
  ): void;
  closed(producerId: string, reason: CloseReason): void;
}

/**
 * One meeting's routers (room-routers.ts: one per worker at most, producers piped between them)
 * and its peers. It follows the meeting's room (`applyRoom`): a producer is
 * paused while the meeting says so (mute, video off) and resumed only when it no longer does and
 * its owner has not paused it; a user no longer present is disconnected; the meeting's end closes
 * the routers and every connection. A router lost with its worker disconnects its peers (1012:
 * they join again, on a live worker); losing the last one disconnects everyone.
 */
export class MeetingRoom {
  readonly peers = new Map<string, Peer>();
  private version = 0;
  closed = false;
  /** Why the producers closing with the room closed (set as the room closes). */
  private closeReason: CloseReason = 'sfu_failure';
  readonly routers: RoomRouters;

  constructor(
    readonly meetingId: string,
    routing: Routing,
    private readonly media: MediaSettings,
    private readonly log: Logger,
    private readonly onClosed: (room: MeetingRoom) => void,
    private readonly producerLog: ProducerLog,
  ) {
    const { first, maxPeersPerRouter, another } = routing;
    this.routers = new RoomRouters(
      first,
      maxPeersPerRouter,
      another,
      (peers, left) => this.lost(peers, left),
      log,
    );
  }

  /** A router of the meeting (all have the same RTP capabilities). */
  get router(): types.Router {
    return this.routers.primary;
  }

  /** A router closed with its worker: its peers join again (a router on a live worker takes them). */
  private lost(peers: Peer[], routersLeft: number): void {
    if (routersLeft === 0) return this.close(CLOSE.restart, 'the media server restarted');
    this.log.warn({ userIds: peers.map((p) => p.userId) }, 'a meeting router closed: its peers join again');
    for (const peer of peers) {
      peer.link?.close(CLOSE.restart, 'the media server restarted');
      this.leave(peer);
    }
  }

  /** Adds the user, or hands their existing peer (within its grace period) to the new link. */
  attach(userId: string, link: PeerLink, room: Room): Peer {
    const participant = room.participants.get(userId)!;
    const existing = this.peers.get(userId);
    if (existing) {
      if (existing.graceTimer) clearTimeout(existing.graceTimer);
      existing.graceTimer = null;
      existing.link?.close(CLOSE.replaced, 'joined from another connection');
      existing.link = link;
      existing.participant = participant;
      return existing;
    }
    const peer = new Peer(userId, link, participant);
    this.peers.set(userId, peer);
    return peer;
  }

  /** The link dropped: the peer's media stays for `graceMs`, then it leaves. */
  detach(peer: Peer, link: PeerLink, graceMs: number): void {
    if (peer.link !== link || peer.closed) return;
    peer.link = null;
    peer.graceTimer = setTimeout(() => this.leave(peer), graceMs);
  }

  leave(peer: Peer): void {
    if (this.peers.get(peer.userId) !== peer) return;
    this.peers.delete(peer.userId);
    peer.close();
    this.routers.release(peer);
    this.broadcast({ notification: 'peerLeft', data: { userId: peer.userId } }, peer);
    this.log.info({ userId: peer.userId }, 'peer left');
    if (this.peers.size === 0) this.close(CLOSE.goingAway, 'no peer left');
  }

  producers(except?: Peer): ProducerInfo[] {
    return [...this.peers.values()]
      .filter((p) => p !== except)
      .flatMap((p) => [...p.producers].map(([id, pp]) => p.info(id, pp)));
  }

  async createWebRtcTransport(peer: Peer, direction: 'send' | 'recv') {
    return openWebRtcTransport(await this.routers.routerOf(peer), this.media, peer, direction);
  }

  /** A plain RTP transport (transports.ts, openPlainTransport). */
  async createPlainTransport(peer: Peer, direction: 'send' | 'recv', rtcpMux = true) {
    return openPlainTransport(await this.routers.routerOf(peer), this.media, peer, direction, rtcpMux);
  }

  async connectTransport(peer: Peer, transportId: unknown, dtlsParameters: types.DtlsParameters) {
    await connectWebRtc(peer, transportId, dtlsParameters);
  }

  /** Where a plain recv transport sends its RTP: the client's own address (transports.ts, connectPlain). */
  async connectPlainTransport(
    peer: Peer,
    transportId: unknown,
    destination: PlainDestination,
    clientAddress: string | undefined,
  ) {
    await connectPlain(peer, transportId, destination, clientAddress, this.media.listenIp);
  }

  async produce(
    peer: Peer,
    transportId: unknown,
    kind: 'audio' | 'video',
    rtpParameters: types.RtpParameters,
    source: MediaSource,
  ): Promise<{ producerId: string; paused: boolean }> {
    const { transport, direction, router } = peer.transport(transportId);
    if (direction !== 'send') throw new SignalingError('wrong-transport', 'produce on a send transport');
    if ((source === 'mic') !== (kind === 'audio')) {
      throw new SignalingError('invalid-params', `a ${source} source cannot be ${kind}`);
    }
    const pp: PeerProducer = { producer: null as unknown as types.Producer, source, ownerPaused: false };
    pp.producer = await transport.produce({
      kind,
      rtpParameters,
      paused: peer.shouldPause(pp),
      appData: { source },
    });
    const id = pp.producer.id;
    peer.producers.set(id, pp);
    this.producerLog.published(this.meetingId, peer.userId, pp.producer, source, router);
    pp.producer.observer.once('close', () => {
      // A dead worker closes the router (and its producers) before the room hears of it.
      const reason: CloseReason = this.closed
        ? this.closeReason
        : router.closed
          ? 'sfu_failure'
          : peer.closed
            ? 'participant_left'
            : 'unpublished';
      this.producerLog.closed(id, reason);
      if (!peer.producers.delete(id)) return;
      this.broadcast({ notification: 'producerClosed', data: { producerId: id, userId: peer.userId } }, peer);
    });
    // On every router before anyone hears of it: a consume on any of them finds it.
    await this.routers.published(pp.producer, router);
    if (!pp.producer.closed) this.broadcast({ notification: 'newProducer', data: peer.info(id, pp) }, peer);
    return { producerId: id, paused: pp.producer.paused };
  }

  async consume(
    peer: Peer,
    transportId: unknown,
    producerId: string,
    rtpCapabilities: types.RtpCapabilities,
  ) {
    const { transport, direction, router } = peer.transport(transportId);
    if (direction !== 'recv') throw new SignalingError('wrong-transport', 'consume on a recv transport');
    const owner = [...this.peers.values()].find((p) => p.producers.has(producerId));
    if (!owner) throw new SignalingError('producer-not-found', `no producer ${producerId} in this meeting`);
    // Made on another router: piped to this one (done already unless it was published meanwhile).
    await this.routers.available(producerId, router).catch((error: unknown) => {
      if (!owner.producers.has(producerId))
        throw new SignalingError('producer-not-found', `producer ${producerId} closed`);
      throw error;
    });
    if (!router.canConsume({ producerId, rtpCapabilities })) {
      throw new SignalingError('cannot-consume', 'your rtpCapabilities cannot receive this producer');
    }
    // Paused until the client has its receiver ready (resumeConsumer): no keyframe is lost.
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    return {
      consumerId: consumer.id,
      producerId,
      userId: owner.userId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  async setOwnerPaused(peer: Peer, producerId: unknown, paused: boolean): Promise<void> {
    const pp = peer.producer(producerId);
    if (!paused && !pp.ownerPaused && pp.producer.paused) {
      throw new SignalingError(
        'paused-by-meeting',
        `your ${pp.source} is paused by the meeting (muted or video off)`,
      );
    }
    pp.ownerPaused = paused;
    await this.sync(peer, pp);
  }

  /** Applies a room change; older versions than the one applied are ignored. */
  applyRoom(room: Room | null): void {
    if (this.closed) return;
    if (room && room.version < this.version) return;
    if (room) this.version = room.version;
    for (const peer of [...this.peers.values()]) {
      const verdict = verdictFor(room, peer.userId);
      if (verdict.kind === 'disconnect') {
        if (verdict.reason === 'meeting-ended')
          return this.close(CLOSE.meetingEnded, 'the meeting has ended');
        this.log.info({ userId: peer.userId }, 'no longer present: disconnected');
        peer.link?.close(CLOSE.notParticipant, 'you are no longer a participant of this meeting');
        this.leave(peer);
        continue;
      }
      peer.participant = verdict.participant;
      for (const pp of peer.producers.values()) {
        this.sync(peer, pp).catch((error: unknown) =>
          this.log.warn({ err: error }, 'could not pause/resume'),
        );
      }
    }
  }

  /** Brings the producer's pause in line with what it should be, and tells everyone. */
  private async sync(peer: Peer, pp: PeerProducer): Promise<void> {
    const { producer } = pp;
    const pause = peer.shouldPause(pp);
    if (producer.closed || producer.paused === pause) return;
    const data = { producerId: producer.id, userId: peer.userId };
    if (pause) {
      await producer.pause();
      const by = pp.ownerPaused ? 'owner' : 'meeting';
      this.log.info({ ...data, by, source: pp.source }, 'producer paused');
      this.broadcast({ notification: 'producerPaused', data: { ...data, by } });
    } else {
      await producer.resume();
      this.log.info({ ...data, source: pp.source }, 'producer resumed');
      this.broadcast({ notification: 'producerResumed', data });
    }
  }

  broadcast(message: Notification, except?: Peer): void {
    for (const peer of this.peers.values()) if (peer !== except) peer.notify(message);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (code === CLOSE.meetingEnded) this.closeReason = 'meeting_ended';
    else if (code === CLOSE.goingAway && reason === 'no peer left') this.closeReason = 'participant_left';
    for (const peer of this.peers.values()) {
      peer.link?.close(code, reason);
      peer.close();
    }
    this.peers.clear();
    this.routers.close();
    this.log.info({ reason }, 'meeting router closed');
    this.onClosed(this);
  }
}

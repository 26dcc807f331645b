import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { SignalingError } from './errors.js';
import type { Peer } from './peer.js';

/** A router of a meeting and the worker process it runs in. */
export interface PlacedRouter {
  router: types.Router;
  workerPid: number;
}

/**
 * Makes another router for the meeting, on the least-loaded worker holding none of `busyPids`
 * (piped producers keep their ids, which mediasoup allows between workers only); null when every
 * worker holds one of the meeting's routers already.
 */
export type RouterFactory = (busyPids: ReadonlySet<number>) => Promise<PlacedRouter | null>;

interface Slot extends PlacedRouter {
  readonly peers: Set<Peer>;
}

/**
 * A meeting's routers, one per worker at most, and which peer's transports are on which. A peer is
 * given a router when it makes its first transport: the one with the fewest peers while under
 * `maxPeers`; when all are full, a router on another worker is added (or, with every worker taken,
 * the least full one takes the peer over the cap). Every producer is piped (pipeToRouter, same id)
 * to every other router as it is published and to each router added later, so a consumer on any
 * router finds it; `available` awaits the pipe, and makes it if it is missing (a producer published
 * while a router was being added). A router whose last peer leaves is closed, unless it is the
 * meeting's only one. A router closing by itself (its worker died) is reported with its peers.
 */
export class RoomRouters {
  private readonly slots: Slot[] = [];
  private readonly byPeer = new Map<Peer, Slot>();
  /** The meeting's producers, by id, with the router they were made on. */
  private readonly origins = new Map<string, types.Router>();
  /** Pipes made or being made: producer id, then target router id. */
  private readonly pipes = new Map<string, Map<string, Promise<void>>>();
  /** Assignments run one at a time: two peers arriving at a full room add one router, not two. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly first: types.Router;
  private closed = false;

  constructor(
    first: PlacedRouter,
    private readonly maxPeers: number,
    private readonly another: RouterFactory,
    /** A router closed under the meeting (its worker died): its peers, and how many routers are left. */
    private readonly onLost: (peers: Peer[], routersLeft: number) => void,
    private readonly log: Logger,
  ) {
    this.first = first.router;
    this.add(first);
  }

  /** A live router (the first made while it lives): every router has the same capabilities. */
  get primary(): types.Router {
    return this.slots[0]?.router ?? this.first;
  }

  /** The routers, their workers and how many peers each holds. */
  get placed(): { router: types.Router; workerPid: number; peers: number }[] {
    return this.slots.map(({ router, workerPid, peers }) => ({ router, workerPid, peers: peers.size }));
  }

  /** The router of the peer's transports, chosen on its first call. */
  routerOf(peer: Peer): Promise<types.Router> {
    const slot = this.byPeer.get(peer);
    if (slot) return Promise.resolve(slot.router);
    const assigned = this.queue.then(() => this.assign(peer));
    this.queue = assigned.catch(() => undefined);
    return assigned;
  }

  private async assign(peer: Peer): Promise<types.Router> {
    const already = this.byPeer.get(peer);
    if (already) return already.router;
    const roomiest = this.slots.reduce<Slot | undefined>(
      (best, s) => (best === undefined || s.peers.size < best.peers.size ? s : best),
      undefined,
    );
    const slot =
      roomiest && roomiest.peers.size < this.maxPeers ? roomiest : ((await this.grow()) ?? roomiest);
    // Gone while a router was added: nothing is held for it.
    if (this.closed || peer.closed) throw new SignalingError('not-joined', 'you left the meeting');
    if (!slot || !this.slots.includes(slot))
      throw new SignalingError('service-unavailable', 'the media server restarted: try again');
    slot.peers.add(peer);
    this.byPeer.set(peer, slot);
    return slot.router;
  }

  /** Adds a router on another worker, with every producer piped to it; null if none can be had. */
  private async grow(): Promise<Slot | null> {
    let placed: PlacedRouter | null;
    try {
      placed = await this.another(new Set(this.slots.map((s) => s.workerPid)));
    } catch (error) {
      this.log.warn({ err: error }, 'could not add a router: the fullest one takes the peer');
      return null;
    }
    if (!placed) return null;
    if (this.closed) {
      placed.router.close();
      return null;
    }
    const slot = this.add(placed);
    this.log.info({ workerPid: placed.workerPid, routers: this.slots.length }, 'meeting router added');
    await Promise.all([...this.origins.keys()].map((id) => this.pipeOrWarn(id, slot.router)));
    return slot;
  }

  private add(placed: PlacedRouter): Slot {
    const slot: Slot = { ...placed, peers: new Set() };
    this.slots.push(slot);
    placed.router.observer.once('close', () => {
      if (!this.remove(slot) || this.closed) return;
      const peers = [...slot.peers];
      for (const peer of peers) this.byPeer.delete(peer);
      this.onLost(peers, this.slots.length);
    });
    return slot;
  }

  /** Forgets the router; false if it was forgotten already. */
  private remove(slot: Slot): boolean {
    const at = this.slots.indexOf(slot);
    if (at === -1) return false;
    this.slots.splice(at, 1);
    for (const targets of this.pipes.values()) targets.delete(slot.router.id);
    return true;
  }

  /** The peer left: its router place is freed, and the router closed if it is empty and not alone. */
  release(peer: Peer): void {
    const slot = this.byPeer.get(peer);
    if (!slot) return;
    this.byPeer.delete(peer);
    slot.peers.delete(peer);
    if (slot.peers.size > 0 || this.slots.length < 2 || this.closed) return;
    this.remove(slot);
    slot.router.close();
    this.log.info({ workerPid: slot.workerPid, routers: this.slots.length }, 'empty meeting router closed');
  }

  /** Makes a new producer available on every router of the meeting (await it before announcing it). */
  async published(producer: types.Producer, origin: types.Router): Promise<void> {
    this.origins.set(producer.id, origin);
    producer.observer.once('close', () => {
      this.origins.delete(producer.id);
      this.pipes.delete(producer.id);
    });
    const others = this.slots.filter((s) => s.router !== origin);
    await Promise.all(others.map((s) => this.pipeOrWarn(producer.id, s.router)));
  }

  /** Resolves once the producer can be consumed on `router`: piped there if it was made elsewhere. */
  available(producerId: string, router: types.Router): Promise<void> {
    const origin = this.origins.get(producerId);
    if (!origin) {
      return Promise.reject(
        new SignalingError('producer-not-found', `no producer ${producerId} in this meeting`),
      );
    }
    if (origin === router) return Promise.resolve();
    let targets = this.pipes.get(producerId);
    if (!targets) {
      targets = new Map<string, Promise<void>>();
      this.pipes.set(producerId, targets);
    }
    const made = targets.get(router.id);
    if (made) return made;
    const making = origin.pipeToRouter({ producerId, router }).then(() => undefined);
    targets.set(router.id, making);
    // A failed pipe is tried again by the next consumer.
    making.catch(() => {
      if (targets.get(router.id) === making) targets.delete(router.id);
    });
    return making;
  }

  private pipeOrWarn(producerId: string, router: types.Router): Promise<void> {
    return this.available(producerId, router).catch((error: unknown) => {
      // Closed meanwhile: nothing to pipe. Otherwise a consumer there tries again.
      if (this.origins.has(producerId) && !router.closed)
        this.log.warn({ err: error, producerId }, 'could not pipe a producer to another router');
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of [...this.slots]) slot.router.close();
  }
}

import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { Grid } from './grid.js';
import { receivedStats } from './received-stats.js';
import type { ReceivedStats } from './received-stats.js';
import { Signaling, SignalingError } from './signaling.js';
import type { Closed, Notification } from './signaling.js';

/*
 * One connection to the SFU node of a meeting: join, a send transport carrying the microphone and
 * camera, a recv transport consuming every other participant's producers, present and future.
 * When the node closes the socket the session is over; the caller decides whether to join again.
 */

interface ProducerInfo {
  producerId: string;
  userId: string;
  kind: types.MediaKind;
}

interface JoinAnswer {
  rtpCapabilities: types.RtpCapabilities;
  producers: ProducerInfo[];
}

interface TransportAnswer {
  transportId: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

interface ConsumeAnswer {
  consumerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  /** Paused by its owner or held paused by the meeting (muted, video off). */
  producerPaused: boolean;
}

/**
 * The command API's join reaches the SFU through the projection (milliseconds behind): until then
 * the node answers not-a-participant or meeting-not-started, so join is asked again for a while.
 */
const JOIN_PATIENCE_MS = 10_000;
const NOT_YET = new Set(['not-a-participant', 'meeting-not-started', 'service-unavailable']);
const SOURCE_OF_KIND = { audio: 'mic', video: 'camera' } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MeetingSession {
  private signaling!: Signaling;
  private readonly device = new Device();
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  /** Remote producers consumed, by producer id. */
  private readonly consumers = new Map<string, { consumer: types.Consumer; userId: string }>();
  /** This user's producers, by id: to mark the local tile when the meeting mutes them. */
  private readonly ownProducers = new Map<string, types.MediaKind>();
  /** Set-up and notifications run one after another: a newProducer waits for the recv transport. */
  private work: Promise<void> = Promise.resolve();

  private constructor(
    private readonly grid: Grid,
    private readonly userId: string,
  ) {}

  /** Connects, joins, publishes `local`'s tracks and consumes the others'; closes again on failure. */
  static async open(
    url: string,
    token: string,
    meetingId: string,
    userId: string,
    local: MediaStream,
    grid: Grid,
  ): Promise<MeetingSession> {
    const session = new MeetingSession(grid, userId);
    session.signaling = await Signaling.open(url, token, (n) =>
      session.enqueue(() => session.onNotification(n)),
    );
    session.work = session.setUp(meetingId, local);
    try {
      await session.work;
    } catch (error) {
      session.signaling.close();
      session.dispose();
      throw error;
    }
    return session;
  }

  get closed(): Promise<Closed> {
    return this.signaling.closed;
  }

  stats(): Promise<ReceivedStats[]> {
    return Promise.all(
      [...this.consumers.values()].map(({ consumer, userId }) => receivedStats(consumer, userId)),
    );
  }

  /** Closes the transports (and so every producer and consumer) and removes the remote tiles. */
  dispose(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.consumers.clear();
    this.grid.clearRemote();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => console.error('signaling', error));
  }

  private async setUp(meetingId: string, local: MediaStream): Promise<void> {
    const joined = await this.join(meetingId);
    await this.device.load({ routerRtpCapabilities: joined.rtpCapabilities });
    this.sendTransport = await this.createTransport('send');
    this.recvTransport = await this.createTransport('recv');
    for (const track of local.getTracks()) {
      if (!this.device.canProduce(track.kind as types.MediaKind)) continue;
      const producer = await this.sendTransport.produce({
        track,
        // The tracks outlive this session: a rejoin sends the same camera and microphone again.
        stopTracks: false,
        appData: { source: SOURCE_OF_KIND[track.kind as types.MediaKind] },
      });
      this.ownProducers.set(producer.id, producer.kind);
    }
    for (const producer of joined.producers) await this.consume(producer);
  }

  private async join(meetingId: string): Promise<JoinAnswer> {
    const deadline = Date.now() + JOIN_PATIENCE_MS;
    for (;;) {
      try {
        return await this.signaling.request<JoinAnswer>('join', { meetingId });
      } catch (error) {
        if (!(error instanceof SignalingError && NOT_YET.has(error.code)) || Date.now() > deadline)
          throw error;
        await sleep(100);
      }
    }
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const answer = await this.signaling.request<TransportAnswer>('createWebRtcTransport', { direction });
    const options = {
      id: answer.transportId,
      iceParameters: answer.iceParameters,
      iceCandidates: answer.iceCandidates,
      dtlsParameters: answer.dtlsParameters,
    };
    const transport =
      direction === 'send'
        ? this.device.createSendTransport(options)
        : this.device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.signaling
        .request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      this.signaling
        .request<{ producerId: string; paused: boolean }>('produce', {
          transportId: transport.id,
          kind,
          rtpParameters,
          appData: { source: appData.source },
        })
        .then(({ producerId, paused }) => {
          // The meeting may hold it paused already (muted before joining, video off).
          if (kind === 'audio') this.grid.setMuted(this.userId, paused);
          callback({ id: producerId });
        }, errback);
    });
    return transport;
  }

  /** Receives one remote producer; the node starts the consumer paused until the track is in place. */
  private async consume({ producerId, userId }: ProducerInfo): Promise<void> {
    const answer = await this.signaling.request<ConsumeAnswer>('consume', {
      transportId: this.recvTransport!.id,
      producerId,
      rtpCapabilities: this.device.recvRtpCapabilities,
    });
    const consumer = await this.recvTransport!.consume({
      id: answer.consumerId,
      producerId,
      kind: answer.kind,
      rtpParameters: answer.rtpParameters,
    });
    this.consumers.set(producerId, { consumer, userId });
    if (consumer.kind === 'audio') this.grid.setMuted(userId, answer.producerPaused);
    if (consumer.kind === 'video') this.grid.addVideo(consumer.id, userId, consumer.track);
    else this.grid.addAudio(consumer.id, userId, consumer.track);
    await this.signaling.request('resumeConsumer', { consumerId: consumer.id });
  }

  private async onNotification({ notification, data }: Notification): Promise<void> {
    const producerId = data.producerId as string;
    const userId = data.userId as string;
    switch (notification) {
      case 'newProducer':
        await this.consume({ producerId, userId, kind: data.kind as types.MediaKind });
        break;
      case 'producerClosed':
        this.closeConsumer(producerId);
        break;
      case 'producerPaused':
      case 'producerResumed':
        if (this.kindOf(producerId) === 'audio') {
          this.grid.setMuted(userId, notification === 'producerPaused');
        }
        break;
      case 'peerLeft':
        for (const [id, entry] of this.consumers) if (entry.userId === userId) this.closeConsumer(id);
        break;
    }
  }

  private kindOf(producerId: string): types.MediaKind | undefined {
    return this.ownProducers.get(producerId) ?? this.consumers.get(producerId)?.consumer.kind;
  }

  private closeConsumer(producerId: string): void {
    const entry = this.consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.consumers.delete(producerId);
    this.grid.remove(entry.consumer.id);
  }
}

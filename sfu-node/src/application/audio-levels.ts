import type { types } from 'mediasoup';
import type { Logger } from 'pino';

/** How often each router's observer reports who is above the threshold (mediasoup's `interval`). */
export const AUDIO_LEVEL_INTERVAL_MS = 500;
/** Producers one report lists at most (the loudest first): simultaneous speakers beyond are not counted. */
const MAX_ENTRIES = 100;

/**
 * One mediasoup AudioLevelObserver per router, with the router's audio producers added as they
 * are published. The observer reads the audio level the sender puts in each RTP packet (RFC 6464,
 * `urn:ietf:params:rtp-hdrext:ssrc-audio-level`, which browsers send): every interval it lists the
 * producers whose average level was above the threshold, and each listed producer is counted as
 * speaking for that interval. A paused (muted) producer forwards nothing and is never listed.
 */
export class AudioLevels {
  private readonly observers = new Map<string, Promise<types.AudioLevelObserver>>();

  constructor(
    private readonly thresholdDbov: number,
    private readonly onSpeaking: (producerId: string, ms: number) => void,
    private readonly log: Logger,
  ) {}

  /** Observes an audio producer on the router it was made on (its pipes elsewhere are not counted again). */
  add(router: types.Router, producer: types.Producer): void {
    if (producer.kind !== 'audio') return;
    this.observerOf(router)
      .then((observer) => (observer.closed ? undefined : observer.addProducer({ producerId: producer.id })))
      .catch((error: unknown) => {
        if (!producer.closed && !router.closed) this.log.warn({ err: error }, 'audio level not observed');
      });
  }

  private observerOf(router: types.Router): Promise<types.AudioLevelObserver> {
    let observer = this.observers.get(router.id);
    if (observer) return observer;
    observer = router
      .createAudioLevelObserver({
        maxEntries: MAX_ENTRIES,
        threshold: this.thresholdDbov,
        interval: AUDIO_LEVEL_INTERVAL_MS,
      })
      .then((o) => {
        o.on('volumes', (volumes) => {
          for (const v of volumes) this.onSpeaking(v.producer.id, AUDIO_LEVEL_INTERVAL_MS);
        });
        return o;
      });
    this.observers.set(router.id, observer);
    router.observer.once('close', () => this.observers.delete(router.id));
    observer.catch(() => this.observers.delete(router.id));
    return observer;
  }
}

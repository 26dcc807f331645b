/*
 * The participants' grid: one tile per video track (one's own camera included), labelled with
 * the user id, and one hidden <audio> element per remote audio track. Audio plays through its own
 * element, not the muted <video>: so it plays even for a participant without video.
 */

export class Grid {
  /** Users whose microphone the meeting holds paused: their tiles, present and future, say so. */
  private readonly muted = new Set<string>();

  constructor(private readonly root: HTMLElement) {}

  /** A tile for a video track; `id` names it for removal (a consumer id, or 'local'). */
  addVideo(id: string, userId: string, track: MediaStreamTrack, label = userId): void {
    const tile = document.createElement('figure');
    tile.className = this.muted.has(userId) ? 'tile muted' : 'tile';
    tile.dataset.id = id;
    tile.dataset.userId = userId;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    const caption = document.createElement('figcaption');
    caption.textContent = label;
    tile.append(video, caption);
    this.root.append(tile);
    video.play().catch(() => undefined); // autoplay of a muted video is always allowed
  }

  /** Plays a remote audio track. Needs the page to have had a click (the Join button) first. */
  addAudio(id: string, userId: string, track: MediaStreamTrack): void {
    const audio = document.createElement('audio');
    audio.dataset.id = id;
    audio.dataset.userId = userId;
    audio.autoplay = true;
    audio.srcObject = new MediaStream([track]);
    this.root.append(audio);
    audio.play().catch((error: unknown) => console.warn('audio does not play', error));
  }

  /** Marks a user's tiles as muted or not (the SFU paused or resumed their microphone). */
  setMuted(userId: string, muted: boolean): void {
    if (muted) this.muted.add(userId);
    else this.muted.delete(userId);
    for (const tile of this.root.querySelectorAll<HTMLElement>(
      `.tile[data-user-id="${CSS.escape(userId)}"]`,
    )) {
      tile.classList.toggle('muted', muted);
    }
  }

  remove(id: string): void {
    this.root.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
  }

  /** Removes everything of the remote participants (the local tile stays). */
  clearRemote(): void {
    for (const element of this.root.querySelectorAll('[data-id]:not([data-id="local"])')) element.remove();
  }
}

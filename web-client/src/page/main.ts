import { loadAppConfig } from './app-config.js';
import { joinMeeting, signIn } from './command-api.js';
import type { Session } from './command-api.js';
import { Grid } from './grid.js';
import type { MeetingSession } from './meeting-session.js';
import { stayInMeeting } from './stay-in-meeting.js';
import { installHook } from './test-hook.js';
import type { ClientState } from './test-hook.js';

/*
 * The page: sign in (command API), join a meeting (command API, then the SFU) and show everyone.
 * The DOM it drives is index.html's; this file only wires the forms to the steps.
 */

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const signInForm = byId<HTMLFormElement>('sign-in');
const joinForm = byId<HTMLFormElement>('join');
const status = byId<HTMLOutputElement>('status');
const grid = new Grid(byId('grid'));

let media: MeetingSession | null = null;
let session: Session | null = null;
const hook = installHook(() => media?.stats() ?? Promise.resolve([]));

function setState(state: ClientState, detail?: string): void {
  if (state === 'joined') hook.sfuJoins++;
  hook.state = state;
  hook.detail = detail ?? null;
  status.textContent = detail ? `${state}: ${detail}` : state;
}

/** A text field of a submitted form. */
const field = (form: HTMLFormElement, name: string) => {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
};

const fail = (error: unknown) => setState('failed', error instanceof Error ? error.message : String(error));
const config = await loadAppConfig().catch((error: unknown) => (fail(error), null));

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!config) return;
  signIn(config.commandApiUrl, field(signInForm, 'username').trim(), field(signInForm, 'password')).then(
    (signedIn) => {
      session = signedIn;
      hook.userId = signedIn.userId;
      signInForm.hidden = true;
      joinForm.hidden = false;
      setState('signed-in');
    },
    fail,
  );
});

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!config || !session) return;
  const signedIn = session;
  const meetingId = field(joinForm, 'meetingId').trim();
  joinForm.hidden = true;
  setState('joining');
  (async () => {
    const joinPosition = await joinMeeting(config.commandApiUrl, signedIn.token, meetingId);
    const local = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 640, height: 480 },
    });
    const camera = local.getVideoTracks()[0];
    if (camera) grid.addVideo('local', signedIn.userId, camera, `${signedIn.userId} (you)`);
    await stayInMeeting({
      config,
      session: signedIn,
      meetingId,
      joinPosition,
      local,
      grid,
      onState: setState,
      onMedia: (live) => (media = live),
    });
  })().catch(fail);
});

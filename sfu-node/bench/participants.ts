import { post } from './command-api.js';
import { inParallel } from './in-parallel.js';
import { log, seconds } from './output.js';
import { MAX_PARTICIPANTS } from './settings.js';

const PASSWORD = 'correct horse battery';

export interface User {
  userId: string;
  token: string;
}

/**
 * Through the command API: the host, who creates and starts an open meeting, and `count` users
 * registered, signed in and joined to it.
 */
export async function registerParticipants(
  commandUrl: string,
  count: number,
): Promise<{ host: User; meetingId: string; users: User[] }> {
  const started = performance.now();
  const register = async (name: string) => {
    const { userId } = await post(commandUrl, '/users', {
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
    });
    const { token } = await post(commandUrl, '/sessions', { username: name, password: PASSWORD });
    return { userId: userId as string, token: token as string };
  };
  const host = await register('bench_host');
  const { meetingId } = await post(
    commandUrl,
    '/meetings',
    {
      title: 'bench:sfu',
      scheduledStartAt: new Date().toISOString(),
      maxParticipants: MAX_PARTICIPANTS,
      settings: { access: 'open' },
    },
    host.token,
  );
  await post(commandUrl, `/meetings/${meetingId}/join`, undefined, host.token);
  await post(commandUrl, `/meetings/${meetingId}/start`, undefined, host.token);
  const users: User[] = [];
  await inParallel([...Array(count).keys()], 8, async (i) => {
    users[i] = await register(`bench_user_${i}`);
  });
  const registered = performance.now();
  // One at a time: the joins of one meeting append to one stream (concurrent ones would conflict).
  for (const u of users) await post(commandUrl, `/meetings/${meetingId}/join`, undefined, u.token);
  log(
    `${users.length} participants through the command API: registered and signed in in ${((registered - started) / 1000).toFixed(1)} s, joined to the meeting in ${seconds(registered)}`,
  );
  return { host, meetingId: meetingId as string, users };
}

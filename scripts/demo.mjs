#!/usr/bin/env node
// `npm run demo`: a newcomer's first meeting, against the services `npm start` runs. Registers
// three users, schedules a meeting, starts it, joins, mutes, chats, leaves, ends, and prints what
// the read side shows after each step. Every read names the position the command answered
// (read-your-writes), so it never shows a state older than the command just made.
const COMMANDS = process.env.COMMAND_URL ?? 'http://127.0.0.1:3000';
const QUERIES = process.env.QUERY_URL ?? 'http://127.0.0.1:3001';
const run = Date.now().toString(36);

async function call(method, url, body, token) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return data;
}

const command = (path, body, token) => call('POST', `${COMMANDS}${path}`, body, token);
const query = (path, token, position) =>
  call('GET', `${QUERIES}${path}${position ? `?minPosition=${position}` : ''}`, undefined, token);
const show = (title, value) => console.log(`\n== ${title}\n${JSON.stringify(value, null, 2)}`);

async function user(name) {
  const username = `${name}_${run}`;
  await command('/users', { username, email: `${username}@example.com`, password: 'correct horse battery' });
  const { token, userId } = await command('/sessions', { username, password: 'correct horse battery' });
  return { name, token, userId };
}

try {
  const [host, ana, ben] = [await user('host'), await user('ana'), await user('ben')];
  console.log(`registered ${host.name}, ${ana.name}, ${ben.name}`);
  const { meetingId } = await command(
    '/meetings',
    {
      title: 'Demo stand-up',
      scheduledStartAt: new Date().toISOString(),
      maxParticipants: 10,
      // Anyone signed in may join (meetings default to invitees only).
      settings: { access: 'open' },
    },
    host.token,
  );
  await command(`/meetings/${meetingId}/start`, undefined, host.token);
  for (const u of [host, ana, ben]) await command(`/meetings/${meetingId}/join`, undefined, u.token);
  await command(`/meetings/${meetingId}/participants/${ben.userId}/mute`, undefined, host.token);
  let answer = await command(`/meetings/${meetingId}/chat-messages`, { text: 'Good morning!' }, ana.token);
  show(
    'live room (Redis, through query-api)',
    await query(`/rooms/${meetingId}`, host.token, answer.position),
  );
  show('active meetings', await query('/stats/active-meetings', host.token, answer.position));

  await command(`/meetings/${meetingId}/leave`, undefined, ana.token);
  answer = await command(`/meetings/${meetingId}/end`, undefined, host.token);
  show(
    'the meeting and its participants (PostgreSQL read tables)',
    await query(`/meetings/${meetingId}`, host.token, answer.position),
  );
  show('chat history', await query(`/meetings/${meetingId}/chat-messages`, host.token, answer.position));
  show(`${ben.name}'s meetings`, await query('/users/me/meetings', ben.token, answer.position));
  console.log('\nThe meeting has ended, so its live room is gone from Redis.');
} catch (error) {
  console.error(
    `demo failed: ${error.message}\n(is \`npm start\` running? COMMAND_URL=${COMMANDS} QUERY_URL=${QUERIES})`,
  );
  process.exit(1);
}

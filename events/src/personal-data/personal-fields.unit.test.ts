import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BlindIndex } from './blind-index.js';
import { concealEvent, holdsSealedData, personalSubject, revealEvent } from './personal-fields.js';

const ADA = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';
const key = randomBytes(32);
const registered = {
  type: 'UserRegistered',
  data: { userId: ADA, username: 'ada', email: 'ada@example.com', displayName: 'Ada', role: 'user' },
};

test('conceals exactly the declared fields, each sealed afresh, and reveals them with the key', () => {
  const sealed = concealEvent(registered, key);
  const data = sealed.data as Record<string, string>;
  for (const field of ['username', 'email', 'displayName']) assert.match(data[field]!, /^pd1:/);
  assert.deepEqual([data.userId, data.role], [ADA, 'user']);
  assert.notEqual(concealEvent(registered, key).data.username, data.username, 'a fresh IV every time');
  assert.ok(holdsSealedData(sealed));
  assert.deepEqual(revealEvent(sealed, key), registered);
});

test('without the key (destroyed, or never copied) sealed fields read as erased; null where declared so', () => {
  const updated = {
    type: 'UserProfileUpdated',
    data: { userId: ADA, displayName: 'A.', avatarUrl: 'https://x/a.png' },
  };
  for (const gone of ['destroyed', undefined] as const) {
    assert.deepEqual(revealEvent(concealEvent(updated, key), gone).data, {
      userId: ADA,
      displayName: `erased-${ADA}`,
      avatarUrl: null,
    });
  }
  assert.equal(revealEvent(concealEvent(registered, key), randomBytes(32)).data.email, `erased-${ADA}`);
});

test('clear values (events from before encryption) and events without personal data pass as they are', () => {
  assert.deepEqual(revealEvent(registered, 'destroyed'), registered);
  const role = { type: 'UserRoleChanged', data: { userId: ADA, role: 'admin', changedBy: null } };
  assert.equal(personalSubject(role), null);
  assert.equal(concealEvent(role, key), role);
});

test('a sealed value moved to another user or field does not open', () => {
  const sealed = concealEvent(registered, key).data as Record<string, string>;
  const moved = {
    type: 'UserRegistered',
    data: { ...registered.data, userId: BOB, username: sealed.username },
  };
  assert.equal(revealEvent(moved, key).data.username, `erased-${BOB}`);
  const swapped = { type: 'UserRegistered', data: { ...sealed, email: sealed.username } };
  assert.equal(revealEvent(swapped, key).data.email, `erased-${ADA}`);
});

test('the blind index is keyed and case-insensitive', () => {
  const index = new BlindIndex(randomBytes(32));
  assert.equal(index.digest('username', 'Alice'), index.digest('username', 'alice'));
  assert.notEqual(index.digest('username', 'alice'), index.digest('email', 'alice'));
  assert.notEqual(
    index.digest('username', 'alice'),
    new BlindIndex(randomBytes(32)).digest('username', 'alice'),
  );
  assert.match(index.digest('email', 'a@example.com'), /^[0-9a-f]{64}$/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, exactTimestamp, SqlParams } from './sql.js';
import { involvedIn, MEETINGS_TABLE, visibleChat, visibleMeetings } from './visibility.js';

const user = { userId: '11111111-1111-4111-8111-111111111111', isAdmin: false };
const admin = { userId: '22222222-2222-4222-8222-222222222222', isAdmin: true };

test('a user sees the meetings they host, have a participant row in, or are invited to', () => {
  const p = new SqlParams();
  p.add('earlier parameter');
  const sql = visibleMeetings(user, MEETINGS_TABLE, p);
  assert.equal(
    sql,
    'm.creator_id = $2::uuid OR EXISTS (SELECT 1 FROM meeting_participants vp ' +
      'WHERE vp.meeting_id = m.id AND vp.user_id = $2::uuid) ' +
      'OR EXISTS (SELECT 1 FROM meeting_invitations vi WHERE vi.meeting_id = m.id ' +
      'AND vi.user_id = $2::uuid AND vi.revoked_at IS NULL)',
  );
  assert.deepEqual(p.values, ['earlier parameter', user.userId]);
});

test('an admin sees every meeting, with no parameter', () => {
  const p = new SqlParams();
  assert.equal(visibleMeetings(admin, MEETINGS_TABLE, p), 'TRUE');
  assert.deepEqual(p.values, []);
});

test('"involved" ignores the admin role and follows the given columns', () => {
  const p = new SqlParams();
  const sql = involvedIn(admin.userId, { id: 's.meeting_id', hostId: 's.creator_id' }, p);
  assert.match(sql, /^s\.creator_id = \$1::uuid OR EXISTS/);
  assert.match(sql, /vp\.meeting_id = s\.meeting_id AND vp\.user_id = \$1::uuid/);
  assert.deepEqual(p.values, [admin.userId]);
});

test('a user reads public chat and private messages they sent or received, none after a ban', () => {
  const p = new SqlParams();
  assert.equal(
    visibleChat(user, 's', p),
    '(s.recipient_id IS NULL OR s.sender_id = $1::uuid OR s.recipient_id = $1::uuid) ' +
      'AND NOT EXISTS (SELECT 1 FROM meeting_bans vb WHERE vb.meeting_id = s.meeting_id ' +
      'AND vb.user_id = $1::uuid AND vb.lifted_at IS NULL AND s.sent_at > vb.banned_at)',
  );
  assert.deepEqual(p.values, [user.userId]);
  assert.equal(visibleChat(admin, 's', new SqlParams()), 'TRUE');
});

test('values never enter the SQL text', () => {
  const p = new SqlParams();
  const hostile = { userId: "x' OR '1'='1", isAdmin: false };
  const sql = visibleMeetings(hostile, MEETINGS_TABLE, p) + visibleChat(hostile, 's', p);
  assert.doesNotMatch(sql, /OR '1'='1/);
  assert.deepEqual(p.values, [hostile.userId, hostile.userId]);
});

test('and() parenthesizes each condition so an OR cannot leak out', () => {
  assert.equal(and([]), 'TRUE');
  assert.equal(and(['a OR b', 'c']), '(a OR b) AND (c)');
  assert.match(exactTimestamp('m.x'), /to_char\(m\.x AT TIME ZONE 'UTC', .*US/);
});

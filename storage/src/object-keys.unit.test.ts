import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  avatarKey,
  documentKey,
  InvalidKeyPartError,
  MAX_FILE_NAME_BYTES,
  normalizeFileName,
  recordingKey,
  recordingLogKey,
  safeFileNameProblem,
  tempUploadKey,
} from './object-keys.js';

const meeting = '6f1c2a9e-0b7d-4c35-9f0e-2d8a1b3c4d5e';
const user = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('object keys follow the seed layout', () => {
  test('recordings: recordings/meeting_<id>/recording_<yyyymmdd_hhmmss>.<ext> in UTC, and its .log', () => {
    const at = new Date('2024-01-01T12:00:00+02:00');
    assert.equal(
      recordingKey(meeting, at, 'webm'),
      `recordings/meeting_${meeting}/recording_20240101_100000.webm`,
    );
    assert.equal(recordingLogKey(meeting, at), `recordings/meeting_${meeting}/recording_20240101_100000.log`);
    assert.throws(() => recordingKey(meeting, at, '../x'), InvalidKeyPartError);
    assert.throws(() => recordingKey(meeting, new Date('nope'), 'mp4'), InvalidKeyPartError);
    assert.throws(() => recordingKey('../../etc', at, 'mp4'), InvalidKeyPartError);
  });

  test('avatars: media/avatars/user_<id>.jpg; ids must be UUIDs (lowercased)', () => {
    assert.equal(avatarKey(user), `media/avatars/user_${user}.jpg`);
    assert.equal(avatarKey(user.toUpperCase()), `media/avatars/user_${user}.jpg`);
    assert.throws(() => avatarKey('123/../../x'), InvalidKeyPartError);
  });

  test('documents: media/documents/meeting_<id>_<name>, disambiguated on demand', () => {
    assert.equal(documentKey(meeting, 'notes.pdf'), `media/documents/meeting_${meeting}_notes.pdf`);
    assert.equal(
      documentKey(meeting, 'notes.pdf', 'abc123'),
      `media/documents/meeting_${meeting}_abc123_notes.pdf`,
    );
    assert.throws(() => documentKey(meeting, 'notes.pdf', 'A/B'), InvalidKeyPartError);
    assert.throws(() => documentKey(meeting, '../notes.pdf'), InvalidKeyPartError);
  });

  test('temp uploads: temp/uploads/<uuid>', () => {
    assert.match(tempUploadKey(), /^temp\/uploads\/[0-9a-f-]{36}$/);
    assert.equal(tempUploadKey(user), `temp/uploads/${user}`);
    assert.throws(() => tempUploadKey('x/../y'), InvalidKeyPartError);
  });
});

describe('safe file names', () => {
  test('ordinary names, Unicode included, are accepted', () => {
    for (const name of [
      'notes.pdf',
      'Q3 slides (final).pptx',
      '会议纪要.docx',
      'a',
      '.hidden',
      'x.y.z',
      '😀.png',
    ]) {
      assert.equal(safeFileNameProblem(name), null, name);
    }
  });

  test('names that could escape, hide or break a key are refused', () => {
    const refused = [
      '',
      ' ',
      ' padded.pdf',
      'padded.pdf ',
      'a/b.pdf',
      'a\\b.pdf',
      '..',
      '.',
      'a..b',
      '../etc/passwd',
      'nul\u0000.pdf',
      'tab\t.pdf',
      'line\n.pdf',
      'del\u007f.pdf',
      'c1\u0085.pdf',
      'invoice\u202efdp.exe',
      'iso\u2066.pdf',
      'lone\ud800.pdf',
      'lone\udc00.pdf',
      'x'.repeat(MAX_FILE_NAME_BYTES + 1),
      'é'.repeat(128), // 256 bytes in UTF-8
    ];
    for (const name of refused) assert.notEqual(safeFileNameProblem(name), null, JSON.stringify(name));
    assert.equal(safeFileNameProblem('x'.repeat(MAX_FILE_NAME_BYTES)), null);
  });

  test('names are kept in NFC, so one name is one key', () => {
    const decomposed = 'Cafe\u0301.pdf';
    assert.equal(normalizeFileName(decomposed), 'Caf\u00e9.pdf');
    assert.equal(documentKey(meeting, decomposed), documentKey(meeting, 'Caf\u00e9.pdf'));
    assert.throws(() => normalizeFileName('a/b'), InvalidKeyPartError);
  });
});

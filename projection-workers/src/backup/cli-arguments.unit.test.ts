import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackupUsageError, parseLocation } from './backup-location.js';
import { defaultBackupFile, parseBackupArguments, parseRestoreArguments } from './cli-arguments.js';

test('backup: a file, an object, or a file named by the time', () => {
  const now = new Date('2026-12-01T04:05:06.789Z');
  assert.deepEqual(parseBackupArguments([], now), {
    to: { kind: 'file', path: 'meetings-backup-20261201T040506Z.jsonl.gz' },
  });
  assert.equal(defaultBackupFile(now), 'meetings-backup-20261201T040506Z.jsonl.gz');
  assert.deepEqual(parseBackupArguments(['--to', '/tmp/b.gz']), { to: { kind: 'file', path: '/tmp/b.gz' } });
  assert.deepEqual(parseBackupArguments(['--to=s3://meeting-system/backups/2026/b.gz']), {
    to: { kind: 's3', bucket: 'meeting-system', key: 'backups/2026/b.gz' },
  });
});

test('backup: wrong arguments are refused with the reason', () => {
  const refused = (args: string[], message: RegExp) =>
    assert.throws(
      () => parseBackupArguments(args),
      (e: Error) => e instanceof BackupUsageError && message.test(e.message),
    );
  refused(['--to'], /--to needs a file/);
  refused(['--to', 'a', '--to', 'b'], /given twice/);
  refused(['b.gz'], /unexpected argument "b.gz"/);
  refused(['--force'], /unexpected argument "--force"/);
  refused(['--to', ''], /empty/);
});

test('restore: one location and an optional transaction id mode', () => {
  assert.deepEqual(parseRestoreArguments(['b.gz']), {
    from: { kind: 'file', path: 'b.gz' },
    transactionIds: 'auto',
  });
  assert.deepEqual(parseRestoreArguments(['--transaction-ids', 'remap', 's3://bkp/x']), {
    from: { kind: 's3', bucket: 'bkp', key: 'x' },
    transactionIds: 'remap',
  });
  const refused = (args: string[], message: RegExp) =>
    assert.throws(
      () => parseRestoreArguments(args),
      (e: Error) => e instanceof BackupUsageError && message.test(e.message),
    );
  refused([], /give the backup/);
  refused(['a', 'b'], /one backup/);
  refused(['a', '--transaction-ids', 'keep'], /one of auto, preserve, remap/);
  refused(['a', '--transaction-ids'], /one of/);
  refused(['a', '--transaction-ids=remap', '--transaction-ids=auto'], /twice/);
  refused(['-x', 'a'], /unknown option "-x"/);
});

test('locations: bucket names and keys are checked, other schemes refused', () => {
  const refused = (text: string, message: RegExp) =>
    assert.throws(
      () => parseLocation(text),
      (e: Error) => e instanceof BackupUsageError && message.test(e.message),
    );
  refused('s3://Bad_Bucket/k', /not a bucket name/);
  refused('s3://bucket', /object key/);
  refused('s3://bucket/dir/', /object key/);
  refused('s3://bucket/a/../b', /"\.\."/);
  refused('s3://bucket//b', /empty/);
  refused(`s3://bucket/${'k'.repeat(1025)}`, /1024 bytes/);
  refused('https://example.com/b.gz', /only files and s3/);
  refused('a\0b', /NUL/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../ops/errors.js';
import { parseArgs, parsePosition, positionals } from './args.js';

test('parseArgs: positionals and flags with one value each, in any order', () => {
  assert.deepEqual(parseArgs(['meetings', '--from', '3', '--to', '9'], ['from', 'to']), {
    positional: ['meetings'],
    flags: { from: '3', to: '9' },
  });
  assert.deepEqual(parseArgs(['--stream', 'meeting-a', 'x'], ['stream']).positional, ['x']);
});

test('parseArgs refuses unknown, repeated and value-less flags', () => {
  assert.throws(
    () => parseArgs(['--nope', '1'], ['from']),
    /^UsageError: unknown option --nope; expected --from$/,
  );
  assert.throws(() => parseArgs(['--from', '1', '--from', '2'], ['from']), /--from given twice/);
  assert.throws(() => parseArgs(['--from'], ['from']), /--from needs a value/);
  assert.throws(() => parseArgs(['--from', '--to', '2'], ['from', 'to']), /--from needs a value/);
  assert.throws(() => positionals(parseArgs(['a', 'b'], []), 1, 'x <y>'), /^UsageError: usage: x <y>$/);
});

test('parsePosition accepts plain positive integers only', () => {
  assert.equal(parsePosition('--from', '42'), 42);
  for (const bad of ['0', '-1', '1.5', '1e3', '0x10', '', ' 7', '9999999999999999', '٣'])
    assert.throws(() => parsePosition('--from', bad), UsageError, bad);
});

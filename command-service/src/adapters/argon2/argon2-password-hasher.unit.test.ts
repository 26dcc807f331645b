import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Argon2PasswordHasher } from './argon2-password-hasher.js';

test('argon2id hashes verify the right password only, and bad hashes never match', async () => {
  const hasher = new Argon2PasswordHasher(1024, 1);
  const hashed = await hasher.hash('correct horse');
  assert.match(hashed, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.notEqual(await hasher.hash('correct horse'), hashed, 'salted');
  assert.equal(await hasher.verify(hashed, 'correct horse'), true);
  assert.equal(await hasher.verify(hashed, 'wrong'), false);
  assert.equal(await hasher.verify('not a hash', 'correct horse'), false);
  await hasher.verifyNothing('anything');
});

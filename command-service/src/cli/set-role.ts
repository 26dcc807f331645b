/**
 * Ops CLI: `npm run set-role -- <username> <admin|user>`. The first admin cannot be made over HTTP
 * (only admins change roles), so ops with access to the database make it here. The event names no
 * actor (`changedBy: null`); the projection workers apply it to the sessions the user holds.
 */
import { randomUUID } from 'node:crypto';
import { createPool, loadBlindIndex, PostgresEventStore, PostgresPersonalDataVault } from '@meetings/db';
import { createUpcasterRegistry, streams, UserRole } from '@meetings/events';
import { AccountDirectory } from '../application/account-directory.js';
import { CommandHandler } from '../application/command-handler.js';
import { loadConfig } from '../config.js';
import { userDecider } from '../domain/index.js';

const [username, role] = process.argv.slice(2);
const parsedRole = UserRole.safeParse(role);
if (!username || !parsedRole.success) {
  console.error('usage: npm run set-role -- <username> <admin|user>');
  process.exit(2);
}
const config = loadConfig();
const say = (obj: object, msg: string) =>
  console.error(`set-role: ${msg}: ${String((obj as { err?: unknown }).err)}`);
const pool = createPool({ connectionString: config.DATABASE_URL, max: 2 }, { warn: say, error: say });
try {
  const store = new PostgresEventStore(pool);
  const userId = await new AccountDirectory(store, await loadBlindIndex(pool)).userIdOf(username);
  if (!userId) throw new Error(`no user named ${username}`);
  const commands = new CommandHandler(store, createUpcasterRegistry(), {
    maxAttempts: config.COMMAND_MAX_ATTEMPTS,
    cacheSize: config.COMMAND_CACHE_EVENTS,
    vault: new PostgresPersonalDataVault(pool),
  });
  const now = new Date();
  const outcome = await commands.handle(
    userDecider,
    streams.user(userId),
    {
      type: 'ChangeUserRole',
      data: { userId, role: parsedRole.data, actorRole: 'system' },
      actorId: 'ops',
      now,
    },
    {
      actorUserId: null,
      correlationId: `ops-${randomUUID()}`,
      commandId: randomUUID(),
      idempotencyKey: null,
      now,
    },
  );
  console.log(`${username} is now ${parsedRole.data} (user stream version ${outcome.version})`);
} catch (error) {
  console.error(`set-role failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}

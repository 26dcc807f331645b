import { ensureDatabase, migrate } from '../migrator.js';
import type { MigrationCommand } from '../migrator.js';

const commands: readonly MigrationCommand[] = ['latest', 'up', 'down', 'rollback', 'status'];
const command = (process.argv[2] ?? 'latest') as MigrationCommand;
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/meetings';

if (!commands.includes(command)) {
  console.error(`usage: npm run migrate -- [${commands.join('|')}]`);
  process.exit(2);
}
try {
  if (command === 'latest' || command === 'up') {
    if (await ensureDatabase(databaseUrl))
      console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  }
  const names = await migrate(databaseUrl, command);
  console.log(names.length ? names.join('\n') : `${command}: nothing to do`);
} catch (error) {
  console.error(`migrate ${command} failed: ${(error as Error).message}`);
  process.exit(1);
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SET_ROLE = fileURLToPath(new URL('../cli/set-role.ts', import.meta.url));

/** Runs `npm run set-role`'s script as ops would (against the database, not the API); asserts it succeeded. */
export function setRoleFromCli(databaseUrl: string, username: string, role: 'user' | 'admin'): string {
  const cli = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SET_ROLE, username, role],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  return cli.stdout;
}

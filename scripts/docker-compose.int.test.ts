// The full profile's docker-compose.yml and Dockerfile, checked without a container engine (none
// runs on these machines, so no image is built or started here):
// - the Compose CLI validates the file (`docker-compose config -q`, Debian's 1.29.2, which needs no
//   engine; or the `docker compose` plugin where installed), and rejects a broken copy;
// - every project service's environment holds only settings that service reads (its zod config
//   schema, the one its main parses), each documented in the README, and the values parse;
// - every depends_on target exists and is healthy-checked or a one-shot, as its condition says;
// - every build target is a stage of the Dockerfile, and npm ci there sees every workspace;
// - kafka-init creates the topics the relay and the AI worker use; Redis never evicts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { TASKS_DLQ_TOPIC, TASKS_TOPIC } from '../ai-worker/src/adapters/kafka/topics.js';
import { ConfigSchema as AiWorkerConfig } from '../ai-worker/src/config.js';
import { ConfigSchema as CommandServiceConfig } from '../command-service/src/config.js';
import { ConfigSchema as NotificationWorkerConfig } from '../notification-worker/src/config.js';
import { ConfigSchema as ProjectionWorkersConfig } from '../projection-workers/src/config.js';
import { RelayConfigSchema } from '../projection-workers/src/relay/config.js';
import { topicLayout } from '../projection-workers/src/relay/topics.js';
import { ConfigSchema as QueryApiConfig } from '../query-api/src/config.js';
import { SfuConfigSchema } from '../sfu-node/src/config.js';
import { WebClientConfigSchema } from '../web-client/src/config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const composeFile = join(root, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
/** The README without its compose section, which names settings without documenting them. */
const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(
  /^## Full profile \(docker compose\)$[\s\S]*?(?=^## )/m,
  '',
);

interface Schema {
  safeParse(input: unknown): {
    success: boolean;
    error?: { issues: { path: PropertyKey[]; message: string }[] };
  };
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  environment?: Record<string, string | number | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  ports?: string[];
  command?: string[] | string;
}

/** The settings a zod config schema reads: its object's keys (through a `.transform` pipe). */
const settingsOf = (schema: unknown): string[] => {
  const s = schema as { shape?: Record<string, unknown>; in?: unknown };
  if (s.shape) return Object.keys(s.shape);
  if (s.in) return settingsOf(s.in);
  throw new Error('not a zod object schema');
};

/** The migrate CLI has no schema: the variables its source reads. */
const migrateSettings = [
  ...readFileSync(join(root, 'db/src/cli/migrate.ts'), 'utf8').matchAll(/process\.env\.([A-Z0-9_]+)/g),
].map((m) => m[1]!);

/** Each service of the project in the compose file → the schema its main parses. */
const projectServices: Record<string, { schema: Schema | null; settings: string[] }> = {
  migrate: { schema: null, settings: migrateSettings },
  'command-service': { schema: CommandServiceConfig, settings: settingsOf(CommandServiceConfig) },
  'projection-workers': { schema: ProjectionWorkersConfig, settings: settingsOf(ProjectionWorkersConfig) },
  'kafka-relay': { schema: RelayConfigSchema, settings: settingsOf(RelayConfigSchema) },
  'query-api': { schema: QueryApiConfig, settings: settingsOf(QueryApiConfig) },
  'notification-worker': { schema: NotificationWorkerConfig, settings: settingsOf(NotificationWorkerConfig) },
  'ai-worker': { schema: AiWorkerConfig, settings: settingsOf(AiWorkerConfig) },
  'sfu-node': { schema: SfuConfigSchema, settings: settingsOf(SfuConfigSchema) },
  'web-client': { schema: WebClientConfigSchema, settings: settingsOf(WebClientConfigSchema) },
};

/**
 * Compose's interpolation with nothing set in the environment, so the file's own defaults are
 * what is checked (not this machine's DATABASE_URL): `${X:-d}`, `${X-d}` → d, `${X}` → '', `$$` → `$`.
 */
function interpolate(text: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (match, _name, fallback) =>
    match === '$$' ? '$' : ((fallback as string | undefined) ?? ''),
  );
}

const compose = parse(interpolate(composeText), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;

/** The Compose CLI that validates without an engine, if this machine has one. */
function composeCli(): string[] | null {
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0)
    return ['docker', 'compose'];
  return null;
}

function runConfig(cli: string[], file: string) {
  const [command, ...args] = cli;
  // An empty environment but PATH: the file's defaults are validated, nothing of this machine's.
  return spawnSync(command!, [...args, '-f', file, 'config', '-q'], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

const cli = composeCli();
test(
  'the Compose CLI accepts docker-compose.yml and rejects a broken copy',
  { skip: cli ? false : 'no docker-compose nor docker compose here (bootstrap installs docker-compose)' },
  () => {
    const ok = runConfig(cli!, composeFile);
    assert.equal(ok.status, 0, `${cli!.join(' ')} config: ${ok.stderr}`);
    // The validator must be able to fail: an unknown depends_on condition is an error.
    const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(broken, composeText.replace('condition: service_healthy', 'condition: service_sleepy'));
      const bad = runConfig(cli!, broken);
      assert.notEqual(bad.status, 0, 'a broken file passed validation');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('every service of the project is in the file, built from a Dockerfile target', () => {
  const built = Object.keys(services).filter((name) => services[name]!.build);
  assert.deepEqual(built.sort(), Object.keys(projectServices).sort());
  const stages = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
  for (const name of built) {
    const build = services[name]!.build!;
    assert.equal(build.context, '.', `${name}: build context`);
    assert.equal(build.dockerfile ?? 'Dockerfile', 'Dockerfile', `${name}: dockerfile`);
    assert.ok(build.target && stages.has(build.target), `${name}: target ${build.target} is no stage`);
  }
});

test("npm ci in the image sees every workspace's package.json", () => {
  const workspaces = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  ).workspaces;
  for (const ws of workspaces) {
    assert.match(
      dockerfile,
      new RegExp(`^COPY ${ws}/package\\.json ${ws}/$`, 'm'),
      `${ws} not copied before npm ci`,
    );
  }
});

test("each service's environment holds only settings it reads, documented, with values it accepts", () => {
  for (const [name, { schema, settings }] of Object.entries(projectServices)) {
    const env = Object.fromEntries(
      Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
    );
    const unread = Object.keys(env).filter((key) => !settings.includes(key));
    assert.deepEqual(unread, [], `${name} does not read ${unread.join(', ')}`);
    const undocumented = Object.keys(env).filter((key) => !readme.includes(`\`${key}\``));
    assert.deepEqual(undocumented, [], `${name}: not in the README's tables: ${undocumented.join(', ')}`);
    // A service that can select its event store gets the compose file's selection block.
    if (settings.includes('EVENT_STORE')) {
      assert.ok(
        env.EVENT_STORE && env.EVENTSTORE_URL,
        `${name}: merge <<: *event-store-env into its environment`,
      );
    }
    if (!schema) {
      for (const key of Object.keys(env)) assert.ok(URL.canParse(env[key]!), `${name}: ${key} is no URL`);
      continue;
    }
    // The worker binary is in the image, not on this machine: any executable stands for it.
    if (env.MEDIASOUP_WORKER_BIN) env.MEDIASOUP_WORKER_BIN = process.execPath;
    const result = schema.safeParse(env);
    const issues = (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(issues, [], `${name}'s environment does not parse`);
  }
});

test('every depends_on target exists and is healthy-checked or a one-shot, as its condition says', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
      const dep = services[target];
      assert.ok(dep, `${name} depends on ${target}, which is not a service`);
      if (condition === 'service_healthy') {
        assert.ok(
          dep.healthcheck?.test && !dep.healthcheck.disable,
          `${target} (for ${name}) has no healthcheck`,
        );
      } else {
        assert.equal(condition, 'service_completed_successfully', `${name} → ${target}: condition`);
        assert.equal(dep.restart, 'no', `${target} (for ${name}) must be a one-shot`);
      }
    }
    // Servers and long-running services all tell their health.
    if (service.restart !== 'no') assert.ok(service.healthcheck?.test, `${name} has no healthcheck`);
  }
  // migrate runs before every other project service.
  for (const name of Object.keys(projectServices).filter((n) => n !== 'migrate' && n !== 'web-client')) {
    assert.equal(services[name]!.depends_on?.migrate?.condition, 'service_completed_successfully', name);
  }
});

test('kafka-init creates every topic of the relay and the AI worker; Redis never evicts', () => {
  const init = String(services['kafka-init']!.command);
  const topics = [...topicLayout(1).map((t) => t.name), TASKS_TOPIC, TASKS_DLQ_TOPIC];
  for (const topic of topics)
    assert.match(init, new RegExp(`(^|\\s)${topic.replace(/\./g, '\\.')}(\\s|;)`), topic);
  assert.match(String(services.redis!.command), /--maxmemory-policy,noeviction/);
});

test('named volumes are declared and no secret is hard-wired without an override', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of (service as { volumes?: string[] }).volumes ?? []) {
      const source = volume.split(':')[0]!;
      assert.ok(compose.volumes && source in compose.volumes, `${name}: volume ${source} not declared`);
    }
  }
  // Passwords and keys come from variables (with development defaults), never as literals.
  for (const match of composeText.matchAll(/^\s*([A-Z_]*(?:PASSWORD|SECRET)[A-Z_]*):\s*(.+)$/gm)) {
    assert.match(match[2]!, /^(&\S+\s+)?\$\{[A-Z_]+:-[^}]*\}$|^\*/, `${match[1]} is a literal`);
  }
});

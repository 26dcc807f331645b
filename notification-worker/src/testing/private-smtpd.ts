import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { freePort } from '@meetings/db/testing';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The only domain the server takes mail for; any other gets 550. */
export const MAIL_DOMAIN = 'test.example';

export interface DeliveredMail {
  to: string;
  subject: string;
  body: string;
}

export interface PrivateSmtpd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The messages delivered to `<user>@test.example`, oldest first. */
  mailbox(user: string): Promise<DeliveredMail[]>;
  /** Resolves with the mailbox once it holds `count` messages; throws after `timeoutMs`. */
  waitForMail(user: string, count: number, timeoutMs?: number): Promise<DeliveredMail[]>;
  /** Freezes the server (SIGSTOP): connections are accepted by the kernel, never answered. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once something on the port sends an SMTP greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('220')));
  });
}

/** Headers unfolded; only To and Subject are read (nodemailer writes plain ASCII ones here). */
function parseMail(text: string): DeliveredMail {
  const split = text.search(/\r?\n\r?\n/);
  const headers = text.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(headers)?.[1]?.trim() ?? '';
  return { to: header('To'), subject: header('Subject'), body: text.slice(split).trim() };
}

/**
 * An OpenSMTPD of a test's own, on a free loopback port, delivering every message for
 * `*@test.example` to a maildir of its temp folder (the package must be installed: scripts/
 * bootstrap.mjs does it). smtpd insists on /var/spool/smtpd and /run/smtpd.sock, so it runs in a
 * mount namespace of its own (`unshare -m`, root) where private folders are mounted over /var/spool
 * and /run: nothing of the machine's is touched. It is its own process group, stopped by its pid.
 */
export async function startPrivateSmtpd(): Promise<PrivateSmtpd> {
  const dir = await mkdtemp(join(tmpdir(), 'mtg-smtpd-'));
  const [spool, run, maildir] = ['spool', 'run', 'Maildir'].map((name) => join(dir, name)) as [
    string,
    string,
    string,
  ];
  await Promise.all([spool, run, maildir].map((d) => mkdir(d)));
  // Delivery runs as nobody: it must reach and write the maildir.
  await chmod(dir, 0o711);
  await chmod(maildir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'smtpd.conf');
  await writeFile(
    conf,
    [
      `table vusers { "@${MAIL_DOMAIN}" = "nobody" }`,
      `listen on 127.0.0.1 port ${port}`,
      `action "deliver" maildir "${maildir}/%{rcpt.user}" virtual <vusers> user nobody`,
      `match from any for domain "${MAIL_DOMAIN}" action "deliver"`,
      '',
    ].join('\n'),
  );
  const check = spawnSync('smtpd', ['-n', '-f', conf], { encoding: 'utf8' });
  if (check.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `smtpd -n refused the config (is opensmtpd installed?): ${check.stderr}${check.error ?? ''}`,
    );
  }

  const script = 'mount --bind "$1" /var/spool && mount --bind "$2" /run && exec smtpd -d -f "$3"';
  const child: ChildProcess = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', spool, run, conf], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone
    }
  };
  // A test process that dies first must not leave the server running.
  const onExit = () => signal('SIGKILL');
  process.once('exit', onExit);

  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', onExit);
      signal('SIGCONT');
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      signal('SIGKILL'); // privsep children that outlived the parent
      await rm(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await greets(port))) {
    if (hasExited() || Date.now() > deadline) {
      await stop();
      throw new Error(`private smtpd did not start on port ${port}:\n${output}`);
    }
    await sleep(20);
  }

  async function mailbox(user: string): Promise<DeliveredMail[]> {
    // Sorted for a stable listing; maildir names order messages only to the second.
    const folder = join(maildir, user, 'new');
    const names = (await readdir(folder).catch(() => [] as string[])).sort();
    return Promise.all(names.map(async (name) => parseMail(await readFile(join(folder, name), 'utf8'))));
  }

  return {
    host: '127.0.0.1',
    port,
    mailbox,
    async waitForMail(user, count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const mail = await mailbox(user);
        if (mail.length >= count) return mail;
        if (Date.now() > until)
          throw new Error(`${user}: ${mail.length} of ${count} messages after ${timeoutMs} ms`);
        await sleep(10);
      }
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop,
  };
}

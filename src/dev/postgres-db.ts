import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sleep } from './net';
import { guardWithWatchdog, readText, terminate } from './processes';
import { DevServerError } from './server';
import { findOnPath, lastLines } from './temporal-cli';
import { run } from './go-tools';

/** PostgreSQL for Temporal: its binaries, an OS user to run it as, a data dir of its own, one process. */

const PG_USER = 'temporal'; // the database superuser initdb creates (trust auth, loopback only)
const READY_TIMEOUT_MS = 30_000;

const isRoot = () => process.getuid?.() === 0;

/** The directory holding initdb, postgres and pg_isready: BATON_PG_BIN, Debian's newest, or PATH. */
async function findBinDir(): Promise<string | undefined> {
  const has = (dir: string) => ['initdb', 'postgres', 'pg_isready'].every((b) => existsSync(join(dir, b)));
  const fromEnv = process.env.BATON_PG_BIN;
  if (fromEnv) return has(fromEnv) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (has(join(root, v, 'bin'))) return join(root, v, 'bin');
  const initdb = await findOnPath('initdb');
  return initdb && has(dirname(realpathSync(initdb))) ? dirname(realpathSync(initdb)) : undefined;
}

/** Finds PostgreSQL; installs Debian's package when missing and this process is root. */
export async function ensurePostgresBinaries(log: (line: string) => void): Promise<string> {
  const found = await findBinDir();
  if (found) return found;
  const install = 'apt-get update && apt-get install -y postgresql';
  if (!isRoot() || !(await findOnPath('apt-get')))
    throw new DevServerError(
      'PostgreSQL is not installed (no initdb, postgres and pg_isready under /usr/lib/postgresql/*/bin or on PATH).',
      `Install it (on Debian or Ubuntu: \`sudo ${install}\`), or set BATON_PG_BIN to the directory holding them.`,
    );
  log(`PostgreSQL is missing; installing Debian's package: ${install}`);
  for (const args of [['update'], ['install', '-y', 'postgresql']]) {
    const { code, output } = await run('apt-get', args, {
      ...process.env,
      DEBIAN_FRONTEND: 'noninteractive',
    });
    if (code !== 0)
      throw new DevServerError(
        `\`apt-get ${args.join(' ')}\` failed (${code}):\n${lastLines(output, 20)}`,
        `Run \`${install}\` yourself.`,
      );
  }
  const installed = await findBinDir();
  if (!installed)
    throw new DevServerError(
      'apt-get installed postgresql but its binaries were not found.',
      'Set BATON_PG_BIN.',
    );
  return installed;
}

/** postgres refuses to run as root: as root, it runs as the `postgres` OS user (created when missing). */
export async function postgresOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (!isRoot()) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).output.trim());
  if ((await run('id', ['-u', 'postgres'])).code !== 0) {
    const { code, output } = await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      'postgres',
    ]);
    if (code !== 0)
      throw new DevServerError(
        `Could not create the OS user postgres: ${output}`,
        'Create it: `useradd --system postgres`.',
      );
  }
  return { uid: await id('-u'), gid: await id('-g') };
}

export interface PostgresOptions {
  binDir: string;
  dataDir: string;
  port: number;
  logFile: string;
  user?: { uid: number; gid: number };
}

/** One PostgreSQL server on 127.0.0.1:port; start/stop/restart keep the same data dir and port. */
export class Postgres {
  private child: ChildProcess | undefined;
  constructor(private readonly o: PostgresOptions) {}

  get address() {
    return `127.0.0.1:${this.o.port}`;
  }

  /** initdb's the data dir unless it holds a cluster already. True when it was new. */
  async init(): Promise<boolean> {
    if (existsSync(join(this.o.dataDir, 'PG_VERSION'))) return false;
    if (this.o.user) chownSync(dirname(this.o.dataDir), this.o.user.uid, this.o.user.gid);
    const { code, output } = await this.exec('initdb', [
      '-D',
      this.o.dataDir,
      '-U',
      PG_USER,
      '--auth=trust',
      '-E',
      'UTF8',
    ]);
    if (code !== 0)
      throw new DevServerError(
        `initdb of ${this.o.dataDir} failed (${code}):\n${lastLines(output, 20)}`,
        'Use an empty data dir the postgres user can write.',
      );
    return true;
  }

  async start(): Promise<void> {
    const fd = openSync(this.o.logFile, 'a');
    // Its own socket dir (the data dir), so it never meets another postgres in /var/run/postgresql.
    const args = ['-D', this.o.dataDir, '-p', String(this.o.port), '-c', 'listen_addresses=127.0.0.1'];
    args.push('-c', `unix_socket_directories=${this.o.dataDir}`, '-c', 'max_connections=300');
    const child = spawn(join(this.o.binDir, 'postgres'), args, { stdio: ['ignore', fd, fd], ...this.o.user });
    closeSync(fd);
    this.child = child;
    if (child.pid !== undefined) guardWithWatchdog(child.pid);
    trackChild(child);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await this.exec('pg_isready', ['-h', '127.0.0.1', '-p', String(this.o.port)])).code !== 0) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new DevServerError(
          `PostgreSQL did not start on ${this.address}`,
          `Its log, ${this.o.logFile}:\n${lastLines(readText(this.o.logFile), 20)}`,
        );
      await sleep(200);
    }
  }

  /** A fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => void terminate(child, 0), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private exec(bin: string, args: string[]) {
    if (!this.o.user) return run(join(this.o.binDir, bin), args);
    return run('runuser', ['-u', 'postgres', '--', join(this.o.binDir, bin), ...args]);
  }
}

/** Creates (when new) and migrates the two databases with Temporal's SQL tool. */
export async function migrate(
  sqlTool: string,
  address: string,
  schemaDir: string,
  fresh: boolean,
): Promise<void> {
  const [host, port] = address.split(':') as [string, string];
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const base = ['--plugin', 'postgres12', '--ep', host, '-p', port, '-u', PG_USER, '--db', db];
    const steps = [
      ...(fresh ? [['create-database'], ['setup-schema', '-v', '0.0']] : []),
      ['update-schema', '-d', join(schemaDir, schema, 'versioned')],
    ];
    for (const step of steps) {
      const { code, output } = await run(sqlTool, [...base, ...step]);
      if (code !== 0)
        throw new DevServerError(
          `\`sql ${[...base, ...step].join(' ')}\` failed (${code}):\n${lastLines(output, 20)}`,
          'See the error above; a fresh data dir starts over.',
        );
    }
  }
}

const children = new Set<ChildProcess>();
let hooked = false;

/** Every child this module or postgres.ts starts is SIGKILLed if the parent exits without stopping it. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
}

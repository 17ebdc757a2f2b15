/**
 * The moving parts of bench/chaos.ts: a seeded random source, the Temporal server it crashes (the
 * dev server on its db file, or Temporal on PostgreSQL), the `baton worker` processes it SIGKILLs and
 * brings back, and the decision ledger it writes before each decision is sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, fsyncSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/dev/net';
import { startPostgresTemporal } from '../src/dev/postgres';
import { startDevServer, type DevServer } from '../src/dev/server';

export const BATON_BIN = fileURLToPath(new URL('../bin/baton.js', import.meta.url));
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: the same seed gives the same runs, decisions and faults (timing aside). */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    between: (low: number, high: number) => low + next() * (high - low),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    /** One of `weights`' keys, with probability proportional to its weight. */
    weighted: <K extends string>(weights: Record<K, number>): K => {
      const entries = Object.entries(weights) as [K, number][];
      let roll = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      return entries[entries.length - 1]![0];
    },
  };
}
export type Random = ReturnType<typeof seededRandom>;

/** A crash or restart the soak can inflict on the server side. */
export interface Fault {
  name: string;
  inject(random: Random): Promise<void>;
}

export interface ChaosServer {
  kind: 'dev' | 'postgres';
  address: string;
  namespace: string;
  faults: Fault[];
  stop(): Promise<void>;
}

/** The dev server on a db file in `dir`; its fault SIGKILLs it and starts it again on that file. */
export async function devServer(dir: string, log: (line: string) => void): Promise<ChaosServer> {
  const options = { port: await freePort(), dbFile: join(dir, 'temporal.db'), headless: true, log };
  let server: DevServer = await startDevServer(options);
  return {
    kind: 'dev',
    address: server.address,
    namespace: server.namespace,
    faults: [
      {
        name: 'dev server SIGKILL',
        async inject(random) {
          await server.kill();
          await sleep(random.between(0, 3000));
          server = await startDevServer(options);
        },
      },
    ],
    stop: () => server.stop(),
  };
}

/** Temporal on PostgreSQL (docs/postgres.md); its faults SIGKILL the server and restart PostgreSQL. */
export async function postgresServer(dir: string, log: (line: string) => void): Promise<ChaosServer> {
  const pg = await startPostgresTemporal({ dir, ui: false, log });
  return {
    kind: 'postgres',
    address: pg.address,
    namespace: pg.namespace,
    faults: [
      {
        name: 'Temporal server SIGKILL',
        async inject(random) {
          await pg.killServer();
          await sleep(random.between(0, 3000));
          await pg.restartServer();
        },
      },
      { name: 'PostgreSQL restart', inject: () => pg.restartPostgres() },
    ],
    stop: () => pg.stop(),
  };
}

/**
 * `baton worker` processes, the production CLI, on one task queue. A worker that dies (SIGKILLed
 * here, or exiting by itself while the server is down) is started again after `respawnMs`, until
 * `stop`. Each one's output goes to `worker-<n>.log` in `dir`.
 */
export class WorkerPool {
  private readonly live = new Set<ChildProcess>();
  private stopping = false;
  private started = 0;
  /** Exits nobody asked for (not a SIGKILL of ours): a worker giving up on its own. */
  selfExits = 0;

  constructor(
    private readonly size: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
    private readonly concurrency: number,
    private readonly respawnMs: () => number,
  ) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, () => this.spawnOne()));
  }

  get alive(): number {
    return this.live.size;
  }

  /** Starts one worker and resolves once it polls. */
  private spawnOne(): Promise<void> {
    const n = ++this.started;
    const child = spawn(process.execPath, [BATON_BIN, 'worker', '--concurrency', String(this.concurrency)], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(join(this.dir, `worker-${n}.log`));
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    this.live.add(child);
    let killedByUs = false;
    child.once('exit', (_code, signal) => {
      this.live.delete(child);
      killedByUs = signal === 'SIGKILL';
      if (!killedByUs && !this.stopping) this.selfExits++;
      if (!this.stopping) setTimeout(() => void this.spawnOne().catch(() => undefined), this.respawnMs());
    });
    return new Promise((resolve, reject) => {
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('worker polling task queue')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`worker ${n} exited (${code}) before polling: ${seen.slice(-500)}`)),
      );
    });
  }

  /** SIGKILLs one live worker, chosen at random; it comes back by itself. */
  async killOne(random: Random): Promise<boolean> {
    const victims = [...this.live];
    if (victims.length === 0) return false;
    const victim = random.pick(victims);
    const gone = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await gone;
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.live].map((child) => {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        return gone.finally(() => clearTimeout(force));
      }),
    );
  }
}

/** What the soak meant to decide, written (and fsynced) before the decision goes out. */
export interface LedgerEntry {
  n: number;
  tag: string;
  workflowId: string;
  phase: string;
  gate: string;
  action: string;
  via: 'baton' | 'temporal';
  /** The gate's digest as the soak saw it (the baton CLI sends it as `--digest`). */
  digest?: string;
  /** A modify's input changes. */
  changes?: Record<string, unknown>;
  /** A deliberate second copy of decision `duplicateOf`, sent after that one was taken. */
  duplicateOf?: number;
  /** A resend of an earlier attempt of this entry whose outcome was not known. */
  attempt: number;
  at: string;
}

export interface LedgerOutcome {
  n: number;
  outcome: 'confirmed' | 'sent' | 'failed';
  detail?: string;
  at: string;
}

/** An append-only JSON-lines file; each line is on disk before `write` returns. */
export class Ledger {
  private readonly fd: number;
  readonly entries = new Map<number, LedgerEntry>();
  readonly outcomes = new Map<number, LedgerOutcome[]>();
  private last = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  private append(line: object): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fsyncSync(this.fd);
  }

  write(entry: Omit<LedgerEntry, 'n' | 'tag' | 'at' | 'attempt'>): LedgerEntry {
    const n = ++this.last;
    const full: LedgerEntry = {
      n,
      tag: `chaos-ledger:${n}`,
      attempt: 1,
      at: new Date().toISOString(),
      ...entry,
    };
    this.append(full);
    this.entries.set(n, full);
    return full;
  }

  /** A resend of entry `n` (same tag): logged as a new attempt of the same entry. */
  resend(entry: LedgerEntry, via: LedgerEntry['via']): LedgerEntry {
    const again: LedgerEntry = { ...entry, via, attempt: entry.attempt + 1, at: new Date().toISOString() };
    this.append(again);
    this.entries.set(entry.n, again);
    return again;
  }

  record(n: number, outcome: LedgerOutcome['outcome'], detail?: string): void {
    const line: LedgerOutcome = { n, outcome, ...(detail ? { detail } : {}), at: new Date().toISOString() };
    this.append(line);
    this.outcomes.set(n, [...(this.outcomes.get(n) ?? []), line]);
  }

  close(): void {
    closeSync(this.fd);
  }
}

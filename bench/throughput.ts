/**
 * Sustained throughput: three-phase no-op pipelines started at a fixed rate for a fixed time.
 *
 * `npm run bench:throughput`. Starts a private dev server (or uses TEMPORAL_ADDRESS, say Temporal on
 * PostgreSQL) and one production worker in its own process (bench/open-gates-worker.ts), starts
 * THROUGHPUT_RATE runs a minute (default 600) for THROUGHPUT_MINUTES (default 5), and reports the
 * completions per minute, the p50 and p95 end-to-end latency (start call → result) and the backlog
 * (started, not finished) when the window closes; then it waits for the backlog to drain.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, startRun, waitForResult, type Baton } from '../src/client/runs';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import type { DefinitionInput } from '../src/shared/definition';
import { count } from './env';
import { percentile } from './stats';

const RATE = count('THROUGHPUT_RATE', 600, 1);
const MINUTES = Number(process.env.THROUGHPUT_MINUTES ?? 5);
if (!(MINUTES > 0))
  throw new Error(`THROUGHPUT_MINUTES=${process.env.THROUGHPUT_MINUTES}: expected minutes > 0`);
const DRAIN_MS = count('THROUGHPUT_DRAIN_SECONDS', 600, 0) * 1000;

const definition: DefinitionInput = {
  name: 'bench-throughput',
  phases: [
    { id: 'p1', agent: 'noop' },
    { id: 'p2', agent: 'noop', needs: ['p1'] },
    { id: 'p3', agent: 'noop', needs: ['p2'] },
  ],
};

const say = (line: string) => console.error(`[throughput] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  startedAt: number;
  doneAt?: number;
  state?: string;
}

/** Set once the drain is over: waits still open then fail as the connection closes. */
let stopped = false;

async function drive(baton: Baton): Promise<{ runs: Run[]; windowEnd: number; startErrors: number }> {
  const runs: Run[] = [];
  const interval = 60_000 / RATE;
  const t0 = performance.now();
  const windowEnd = t0 + MINUTES * 60_000;
  let startErrors = 0;
  const waits: Promise<void>[] = [];
  for (let i = 0; ; i++) {
    const due = t0 + i * interval;
    if (due >= windowEnd) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const run: Run = { startedAt: performance.now() };
    runs.push(run);
    waits.push(
      startRun(baton, { definition, agents: ['noop'], id: `throughput-${process.pid}-${i}` })
        .then(({ workflowId }) => waitForResult(baton, workflowId))
        .then((summary) => {
          run.doneAt = performance.now();
          run.state = summary.state;
        })
        .catch((error: unknown) => {
          // After the drain the connection is closed under the waits still open: not their error.
          if (stopped) return;
          startErrors++;
          say(`run ${i}: ${error instanceof Error ? error.message : String(error)}`);
        }),
    );
    if (i > 0 && i % RATE === 0) {
      const done = runs.filter((r) => r.doneAt !== undefined).length;
      say(`minute ${i / RATE}: started ${runs.length}, completed ${done}`);
    }
  }
  await sleep(Math.max(0, windowEnd - performance.now()));
  const settle = Promise.all(waits);
  await Promise.race([settle, sleep(DRAIN_MS)]);
  stopped = true;
  return { runs, windowEnd, startErrors };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-throughput-'));
  let server: DevServer | undefined;
  let baton: Baton | undefined;
  const external = process.env.TEMPORAL_ADDRESS;
  const child = { kill: () => {} } as { kill: (s: NodeJS.Signals) => void };
  try {
    server = external
      ? undefined
      : await ensureServer({
          port: await freePort(),
          dbFile: join(dir, 'temporal.db'),
          headless: true,
          log: say,
        });
    const address = external ?? (server as DevServer).address;
    const namespace = server?.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
    const taskQueue = `throughput-${process.pid}`;
    const worker = fork(fileURLToPath(new URL('./open-gates-worker.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TASK_QUEUE: taskQueue,
        WORKSPACE_ROOT: join(dir, 'ws'),
      },
    });
    child.kill = (s) => worker.kill(s);
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { kind?: string }) => m.kind === 'ready' && resolve());
      worker.on('exit', (code) =>
        reject(new Error(`the worker exited with code ${code} before it was ready`)),
      );
    });
    baton = await connect({ address, namespace, taskQueue });
    say(
      `${external ? `server ${external}` : 'dev server (SQLite)'}: ${RATE} runs a minute for ${MINUTES} min`,
    );
    const { runs, windowEnd, startErrors } = await drive(baton);

    const inWindow = runs.filter((r) => r.doneAt !== undefined && r.doneAt <= windowEnd);
    const finished = runs.filter((r) => r.doneAt !== undefined);
    const latencies = finished.map((r) => (r.doneAt as number) - r.startedAt);
    const backlog = runs.length - inWindow.length;
    // A run whose result could not be read (an error, counted apart) is not waited for.
    const drained = finished.length + startErrors === runs.length;
    const lastDone = Math.max(...finished.map((r) => r.doneAt as number));
    const notCompleted = finished.filter((r) => r.state !== 'completed').length;
    const target = external ? `Temporal at ${external}` : 'dev server (SQLite)';
    console.log('');
    console.log(
      `Throughput: 3 no-op phases per run, ${RATE} runs/min offered for ${MINUTES} min, one worker`,
    );
    console.log(
      '| server | offered/min | completed/min | p50 end-to-end | p95 end-to-end | backlog at the end |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${target} | ${RATE} | ${(inWindow.length / MINUTES).toFixed(0)} | ${(percentile(latencies, 50) / 1000).toFixed(2)} s | ${(percentile(latencies, 95) / 1000).toFixed(2)} s | ${backlog} |`,
    );
    console.log(
      `  ${runs.length} started, ${finished.length} finished (${notCompleted} not completed, ${startErrors} errors); ` +
        (drained
          ? `the backlog drained ${((lastDone - windowEnd) / 1000).toFixed(1)} s after the window`
          : `not drained within ${DRAIN_MS / 1000} s`),
    );
    console.log(
      `completed per minute: ${(inWindow.length / MINUTES).toFixed(0)} of ${RATE} offered, backlog ${backlog}`,
    );
  } finally {
    child.kill('SIGKILL');
    // The connection is not closed: waits still open would retry on it; the process exits next.
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  // Exit at once: result waits left open past the drain would retry on the closed connection.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

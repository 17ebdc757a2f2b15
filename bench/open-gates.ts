/**
 * How many runs waiting at gates can one worker hold, and how fast does a decision reach them?
 *
 * `npm run bench:open-gates`. Starts a private dev server and one production worker in its own
 * process, starts OPEN_GATES_RUNS (default 5,000) runs of a two-phase pipeline whose first phase is a
 * no-op with a gate after it, and once all wait reports the worker's memory, the start rate, the
 * decision latency for runs in the sticky cache and for evicted ones, and the time to approve the
 * rest with `baton approve --all`. Settings: OPEN_GATES_RUNS, OPEN_GATES_SAMPLES (runs per latency
 * figure), OPEN_GATES_STARTERS (starts in flight), BATON_MAX_CACHED_WORKFLOWS (the worker's cache),
 * BATON_HEAP_GROWING_PERCENT (V8's heap growing factor in the worker, src/workers/tuning.ts),
 * OPEN_GATES_NODE_FLAGS (Node flags for the worker process, say `--max-old-space-size=400`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsToMs } from '@temporalio/common/lib/time';
import { batchApprove } from '../src/client/batch-approve';
import { connect, decide, startRun, type Baton } from '../src/client/runs';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import type { DefinitionInput } from '../src/shared/definition';
import { approvalSignal, statusQuery } from '../src/shared/messages';
import { heapGrowingFlag } from '../src/workers/tuning';
import { count } from './env';
import type { FromWorker } from './open-gates-worker';
import { median, percentile } from './stats';

const RUNS = count('OPEN_GATES_RUNS', 5000, 1);
const SAMPLES = Math.min(count('OPEN_GATES_SAMPLES', 50, 1), Math.floor(RUNS / 3));
const STARTERS = count('OPEN_GATES_STARTERS', 32, 1);
const NAME = 'bench-open-gates';

const definition: DefinitionInput = {
  name: NAME,
  phases: [
    { id: 'draft', agent: 'noop', approval: true },
    { id: 'ship', agent: 'noop', needs: ['draft'] },
  ],
};

const epochNow = () => performance.timeOrigin + performance.now();
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const say = (line: string) => console.error(`[open-gates] ${line}`);

/** The worker process, with a way to wait for a run's phase to start in it. */
class WorkerProcess {
  private readonly waiters = new Map<string, (at: number) => void>();
  private readonly seen = new Map<string, number>();
  private memoryWaiter: ((m: Extract<FromWorker, { kind: 'memory' }>) => void) | undefined;
  readonly ready: Promise<number>;

  constructor(readonly child: ChildProcess) {
    let ready!: (cache: number) => void;
    this.ready = new Promise((resolve) => (ready = resolve));
    child.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') ready(message.maxCachedWorkflows);
      else if (message.kind === 'memory') this.memoryWaiter?.(message);
      else if (message.phase === 'ship') {
        const key = message.workflowId;
        const waiter = this.waiters.get(key);
        if (waiter) waiter(message.at);
        else this.seen.set(key, message.at);
      }
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) say(`the worker exited with code ${code}`);
    });
  }

  /** When the run's `ship` phase started in the worker (epoch ms). */
  shipStarted(workflowId: string): Promise<number> {
    const at = this.seen.get(workflowId);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.waiters.set(workflowId, resolve));
  }

  memory(): Promise<Extract<FromWorker, { kind: 'memory' }>> {
    return new Promise((resolve) => {
      this.memoryWaiter = resolve;
      this.child.send('memory');
    });
  }

  /** The kernel's figures for the process: resident now (of it anonymous memory), and its high-water mark. */
  kernelRss(): { rss: number; anon: number; peak: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), peak: kb('VmHWM') };
  }
}

async function startAll(baton: Baton): Promise<{ ids: string[]; seconds: number }> {
  const ids = Array.from({ length: RUNS }, (_, i) => `open-gates-${process.pid}-${i}`);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: STARTERS }, async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await startRun(baton, { definition, agents: ['noop'], id });
        if (next % 1000 === 0) say(`started ${next}`);
      }
    }),
  );
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

/** Waits until `query` counts `target` runs, saying how far it got. */
async function waitForCount(baton: Baton, query: string, target: number, what: string): Promise<void> {
  let last = -1;
  for (;;) {
    const { count: n } = await baton.client.workflow.count(query);
    if (n >= target) return;
    if (n !== last) say(`${what}: ${n}/${target}`);
    last = n;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** One decision: when the bench sent it and when `ship`'s agent ran in the worker (epoch ms). */
interface Sample {
  id: string;
  sent: number;
  running: number;
}

/** Signal (or `decide`) → the next phase's agent running in the worker, one run at a time. */
async function latencies(
  baton: Baton,
  worker: WorkerProcess,
  ids: string[],
  how: 'signal' | 'query-then-signal' | 'decide',
): Promise<Sample[]> {
  const out: Sample[] = [];
  const decision = { phase: 'draft', action: 'approve' as const, by: 'bench' };
  for (const id of ids) {
    const handle = baton.client.workflow.getHandle(id);
    // A query replays an evicted run, so the signal after it finds the run in the cache.
    if (how === 'query-then-signal') await handle.query(statusQuery);
    const started = worker.shipStarted(id);
    const sent = epochNow();
    if (how === 'decide') await decide(baton, id, decision);
    else await handle.signal(approvalSignal, decision);
    out.push({ id, sent, running: await started });
  }
  return out;
}

const waits = (samples: Sample[]) => samples.map((s) => s.running - s.sent);

/** Where a decision's time went, by the server's clock in each run's history (the same machine's clock). */
interface Legs {
  /** sent → the server recorded the signal */
  toServer: number;
  /** signal recorded → the worker picked up the workflow task it caused */
  queued: number;
  /** workflow task in the worker (a replay first, for an evicted run) */
  inWorker: number;
  /** workflow task completed → `ship`'s agent running in the worker */
  toAgent: number;
}

async function legs(baton: Baton, samples: Sample[]): Promise<Legs[]> {
  const out: Legs[] = [];
  for (const s of samples) {
    const handle = baton.client.workflow.getHandle(s.id);
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const at = (i: number) => tsToMs(events[i]?.eventTime);
    const signal = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    const started = events.findIndex((e, i) => i > signal && e.workflowTaskStartedEventAttributes);
    const completed = events.findIndex((e, i) => i > started && e.workflowTaskCompletedEventAttributes);
    if (signal < 0 || started < 0 || completed < 0) continue;
    out.push({
      toServer: at(signal) - s.sent,
      queued: at(started) - at(signal),
      inWorker: at(completed) - at(started),
      toAgent: s.running - at(completed),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-open-gates-'));
  let server: DevServer | undefined;
  let baton: Baton | undefined;
  let worker: WorkerProcess | undefined;
  try {
    server = await ensureServer({
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
      headless: true,
      log: say,
    });
    const taskQueue = `open-gates-${process.pid}`;
    worker = new WorkerProcess(
      fork(fileURLToPath(new URL('./open-gates-worker.ts', import.meta.url)), {
        execArgv: [
          '--import',
          'tsx',
          ...(process.env.OPEN_GATES_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        ],
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: server.namespace,
          TASK_QUEUE: taskQueue,
          WORKSPACE_ROOT: join(dir, 'workspaces'),
        },
      }),
    );
    const cacheSize = await worker.ready;
    const idle = worker.kernelRss().rss;
    baton = await connect({ address: server.address, namespace: server.namespace, taskQueue });
    say(
      `worker ready (cache ${cacheSize} runs, ${mb(idle)} RSS); starting ${RUNS} runs, ${STARTERS} at a time`,
    );

    const t0 = performance.now();
    const { ids, seconds: startSeconds } = await startAll(baton);
    const mine = `TaskQueue = "${taskQueue}"`;
    await waitForCount(baton, `${mine} AND BatonPendingGates = "draft"`, RUNS, 'waiting at their gate');
    const toGates = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // let the last tasks settle before measuring
    const heap = await worker.memory();
    const kernel = worker.kernelRss();
    // Each figure is said as soon as it is known, so a long batch approval cannot lose them.
    say(
      `all ${RUNS} at their gate after ${toGates.toFixed(1)} s; worker RSS ${mb(kernel.rss)}, heap ${mb(heap.heapUsed)}`,
    );

    // The first runs to reach their gate were evicted long since (LRU); the next ones are queried
    // into the cache first; the third set goes through `decide` as `baton approve` sends it.
    const evicted = await latencies(baton, worker, ids.slice(0, SAMPLES), 'signal');
    const cached = await latencies(baton, worker, ids.slice(SAMPLES, 2 * SAMPLES), 'query-then-signal');
    const viaDecide = await latencies(baton, worker, ids.slice(2 * SAMPLES, 3 * SAMPLES), 'decide');
    const p95 = (xs: Sample[]) => ms(percentile(waits(xs), 95));
    say(
      `p95 decision latency: evicted ${p95(evicted)}, cached ${p95(cached)}, baton approve ${p95(viaDecide)}`,
    );
    const [evictedLegs, cachedLegs] = [await legs(baton, evicted), await legs(baton, cached)];

    const left = RUNS - 3 * SAMPLES;
    say(`approving the other ${left} with batch approval`);
    const b0 = performance.now();
    const batch = await batchApprove(baton, { template: NAME, phase: 'draft', by: 'bench' });
    const batchSeconds = (performance.now() - b0) / 1000;
    const approved = batch.items.filter((i) => i.outcome === 'approved').length;
    await waitForCount(baton, `${mine} AND ExecutionStatus = "Completed"`, RUNS, 'completed');
    const allDone = (performance.now() - b0) / 1000;
    const after = worker.kernelRss();

    const p = (xs: Sample[], q: number) => ms(percentile(waits(xs), q));
    const leg = (xs: Legs[], key: keyof Legs) => ms(median(xs.map((x) => x[key]))).padEnd(10);
    console.log('');
    console.log(
      `Open gates: ${RUNS} runs of (draft: no-op, gate) → ship, one worker, cache ${cacheSize} runs, ${heapGrowingFlag(process.env) ?? "V8's own heap growing"}`,
    );
    console.log(`  worker RSS: idle ${mb(idle)}, all waiting ${mb(kernel.rss)}, peak ${mb(after.peak)}`);
    // process.memoryUsage() sees the main thread's isolate only: the workflows run in a worker thread
    // with an isolate of its own, which is most of the anonymous memory once many runs have replayed.
    console.log(`  worker anonymous memory once all wait: ${mb(kernel.anon)} of ${mb(kernel.rss)} RSS`);
    console.log(
      `  main thread's V8 heap (not the workflow thread's): ${mb(heap.heapUsed)} used of ${mb(heap.heapTotal)}; external ${mb(heap.external)}`,
    );
    console.log(
      `  started ${RUNS} in ${startSeconds.toFixed(1)} s (${(RUNS / startSeconds).toFixed(0)} runs/s); all at their gate after ${toGates.toFixed(1)} s`,
    );
    console.log(`  decision → next phase's agent running (${SAMPLES} runs each)   p50        p95`);
    console.log(
      `    signal, run evicted (replays)                         ${p(evicted, 50).padEnd(10)} ${p(evicted, 95)}`,
    );
    console.log(
      `    signal, run in the sticky cache                       ${p(cached, 50).padEnd(10)} ${p(cached, 95)}`,
    );
    console.log(
      `    baton approve (decide: checks, query, signal), evicted ${p(viaDecide, 50).padEnd(10)} ${p(viaDecide, 95)}`,
    );
    console.log(`  where a decision's time goes (p50, by each run's history)  evicted    cached`);
    console.log(
      `    sent → signal recorded by the server                  ${leg(evictedLegs, 'toServer')} ${leg(cachedLegs, 'toServer')}`,
    );
    console.log(
      `    signal recorded → workflow task picked up             ${leg(evictedLegs, 'queued')} ${leg(cachedLegs, 'queued')}`,
    );
    console.log(
      `    workflow task in the worker (replay, if evicted)      ${leg(evictedLegs, 'inWorker')} ${leg(cachedLegs, 'inWorker')}`,
    );
    console.log(
      `    workflow task completed → agent running               ${leg(evictedLegs, 'toAgent')} ${leg(cachedLegs, 'toAgent')}`,
    );
    console.log(
      `  batch approval: ${approved}/${left} approved in ${batchSeconds.toFixed(1)} s; all ${RUNS} completed ${allDone.toFixed(1)} s after it began`,
    );
    console.log(
      `open runs: ${RUNS}, worker RSS: ${(kernel.rss / 2 ** 20).toFixed(0)} MB, p95 decision latency (evicted): ${percentile(waits(evicted), 95).toFixed(1)} ms`,
    );
  } finally {
    worker?.child.kill('SIGKILL');
    await baton?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

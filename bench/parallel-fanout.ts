/**
 * What does a `parallel` phase cost over its slowest task?
 *
 * `npm run bench:parallel`. Starts a private dev server and one worker, then runs a fan-out of
 * N = 1, 4 and 16 tasks (BENCH_FANOUTS), each a fixed 1 s agent that writes a file of its own (so
 * every merge is disjoint), with `maxConcurrent` = N. Reports ratios, never asserts on time.
 * Counts: BENCH_RUNS (measured runs per N), BENCH_WARMUP_RUNS, BENCH_TASK_MS, BENCH_FANOUTS. See docs/parallel.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { defineAgent } from '../src/activities/agents/agent';
import { connect, getStatus, startRun, waitForResult, type Baton } from '../src/client/runs';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import type { DefinitionInput } from '../src/shared/definition';
import type { PhaseStatus, RunStatus } from '../src/shared/status';
import { workflowBundle } from '../src/workers/bundle';
import { count } from './env';

Runtime.install({ logger: new DefaultLogger('WARN') });

const AGENT = 'sleep-1s';
const PHASE = 'fan';
const TASK_MS = count('BENCH_TASK_MS', 1000, 1);
const RUNS = count('BENCH_RUNS', 3, 1);
const WARMUP_RUNS = count('BENCH_WARMUP_RUNS', 1, 0);
const FANOUTS = (process.env.BENCH_FANOUTS ?? '1,4,16').split(',').map((n) => {
  const value = Number(n);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_FANOUTS: "${n}" is not a whole number >= 1`);
  return value;
});
/** The issue's goals, printed next to the figures. */
const GOALS = { ratioAt16: 1.15, eventsAt16: 1000 };

/** Each agent run on this process's clock (the worker is in-process), by `<workflowId>/<file>`. */
const agentRuns = new Map<string, { start: number; end: number }>();

const sleepAgent = defineAgent({
  name: AGENT,
  description: `sleeps ${TASK_MS} ms, then writes <name>.txt (a file per task: merges are disjoint)`,
  input: z.object({ name: z.string().regex(/^[A-Za-z0-9_-]+$/) }).strict(),
  output: z.object({ file: z.string() }),
  async run({ name }, ctx) {
    const start = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, TASK_MS);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('cancelled'));
      });
    });
    const file = `${name}.txt`;
    await writeFile(join(ctx.workspace, file), `${name}\n`);
    agentRuns.set(`${ctx.workflowId}/${name}`, { start, end: Date.now() });
    return { file };
  },
});

/** The issue's bench definition: N tasks of the 1 s agent, all allowed at once, merged by `merge`. */
function fanoutDefinition(n: number): DefinitionInput {
  return {
    name: `bench-fanout-${n}`,
    phases: [
      {
        id: PHASE,
        parallel: {
          tasks: Array.from({ length: n }, (_, i) => ({
            id: `t${i + 1}`,
            agent: AGENT,
            input: { name: `t${i + 1}` },
          })),
          maxConcurrent: n,
        },
        merge: { strategy: 'merge' },
      },
    ],
  };
}

let sequence = 0;
// Fixed width, so no run's id is the start of another's (agent runs are matched by it).
const nextId = (n: number) => `bench-fanout-${n}-${process.pid}-${String(sequence++).padStart(4, '0')}`;

interface Sample {
  n: number;
  /** First task start → last task end, over the longest task (from the phase's task status). */
  fanoutRatio?: number;
  /** The same from the agents' own clock in this process: scheduling skew alone. */
  agentRatio?: number;
  /** Phase start → end (worktrees, the fan-out and the merge queue), over the longest task. */
  phaseRatio?: number;
  phaseMs?: number;
  longestTaskMs?: number;
  events: number;
  /** Milliseconds each branch took in the merge queue. */
  queueMs: number[];
  /** Where `queueMs` came from: the queue's own `ms`, or the timestamps around it. */
  queueFrom: 'queue' | 'timestamps' | 'none';
}

const span = (from?: string, to?: string): number | undefined =>
  from && to ? Date.parse(to) - Date.parse(from) : undefined;

function phaseOf(status: RunStatus, id: string): PhaseStatus {
  const phase = status.phases.find((p) => p.id === PHASE);
  if (!phase) throw new Error(`run ${id} has no phase "${PHASE}" in its status`);
  return phase;
}

/** Why a run did not complete, from its status (a failed run's result is an error). */
async function failure(baton: Baton, id: string, cause: unknown): Promise<Error> {
  const status = await getStatus(baton, id).catch(() => undefined);
  const phase = status?.phases.find((p) => p.id === PHASE);
  return new Error(
    `run ${id} did not complete: ${status ? `${status.state}${status.reason ? ` (${status.reason})` : ''}` : String(cause)}` +
      (phase?.error ? `; phase ${PHASE}: ${phase.error.message}` : ''),
    { cause },
  );
}

async function measure(baton: Baton, n: number): Promise<Sample> {
  const { workflowId } = await startRun(baton, {
    definition: fanoutDefinition(n),
    agents: [AGENT],
    approvalMode: 'manual',
    id: nextId(n),
  });
  let summary: RunStatus;
  try {
    summary = await waitForResult(baton, workflowId);
  } catch (error) {
    throw await failure(baton, workflowId, error);
  }
  if (summary.state !== 'completed') throw await failure(baton, workflowId, summary.state);
  const phase = phaseOf(summary, workflowId);
  const parallel = phase.parallel;
  const tasks = parallel?.tasks ?? [];
  if (parallel && tasks.length !== n)
    throw new Error(`run ${workflowId}: ${tasks.length} tasks in status, expected ${n}`);

  const durations = tasks
    .map((t) => t.elapsedMs ?? span(t.startedAt, t.endedAt))
    .filter((d) => d !== undefined);
  const longestTaskMs = durations.length === n ? Math.max(...durations) : undefined;
  const starts = tasks
    .map((t) => t.startedAt && Date.parse(t.startedAt))
    .filter((t) => typeof t === 'number');
  const ends = tasks.map((t) => t.endedAt && Date.parse(t.endedAt)).filter((t) => typeof t === 'number');
  const fanoutMs =
    starts.length === n && ends.length === n ? Math.max(...ends) - Math.min(...starts) : undefined;

  // A task runs in a child workflow whose id holds the parent's; its agent run is keyed by both.
  const agents = [...agentRuns].filter(([key]) => key.includes(workflowId)).map(([, r]) => r);
  const agentRatio =
    agents.length === n
      ? (Math.max(...agents.map((r) => r.end)) - Math.min(...agents.map((r) => r.start))) /
        Math.max(...agents.map((r) => r.end - r.start))
      : undefined;

  const phaseMs = span(phase.startedAt, phase.endedAt);
  const queue = parallel?.queue ?? [];
  const queueMs = queue.map((q) => q.ms).filter((ms) => ms !== undefined);
  let queueFrom: Sample['queueFrom'] = queueMs.length === n ? 'queue' : 'none';
  if (queueFrom === 'none' && ends.length === n && phase.endedAt) {
    // No per-merge figure: the time from the last task's end to the phase's end, shared out.
    queueMs.splice(0, queueMs.length, ...Array(n).fill((Date.parse(phase.endedAt) - Math.max(...ends)) / n));
    queueFrom = 'timestamps';
  }

  const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
  // The baseline is the longest task's own work (its agent's run): a task's row also counts the
  // time its child workflow took to start, which is the overhead being measured.
  const longestAgentMs = agents.length === n ? Math.max(...agents.map((r) => r.end - r.start)) : undefined;
  return {
    n,
    fanoutRatio: fanoutMs !== undefined && longestAgentMs ? fanoutMs / longestAgentMs : undefined,
    agentRatio,
    phaseRatio: phaseMs !== undefined && longestAgentMs ? phaseMs / longestAgentMs : undefined,
    phaseMs,
    longestTaskMs,
    events: history.events?.length ?? 0,
    queueMs,
    queueFrom,
  };
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
const defined = (xs: (number | undefined)[]) => xs.filter((x) => x !== undefined);
const fixed = (x: number | undefined, digits = 2) => (x === undefined ? 'n/a' : x.toFixed(digits));
const row = (...cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(6) : c.padStart(15))).join('');

async function bench(baton: Baton): Promise<Sample[][]> {
  for (let i = 0; i < WARMUP_RUNS; i++) await measure(baton, 1);
  const results: Sample[][] = [];
  for (const n of FANOUTS) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await measure(baton, n));
    results.push(samples);
  }
  return results;
}

function report(results: Sample[][]): void {
  console.log('');
  console.log(
    `Baton parallel fan-out: one phase of N tasks, each a ${TASK_MS} ms agent writing its own file, maxConcurrent = N; median of ${RUNS} run(s) per N (${WARMUP_RUNS} warm-up discarded)`,
  );
  console.log(
    row('N', 'fan-out/task', 'agents/task', 'phase/task', 'phase ms', 'history events', 'merge ms/branch'),
  );
  for (const samples of results) {
    const n = samples[0]?.n ?? 0;
    const pick = (f: (s: Sample) => number | undefined) => median(defined(samples.map(f)));
    const queue = median(samples.flatMap((s) => s.queueMs));
    const from = samples[0]?.queueFrom === 'timestamps' ? ' (ts)' : '';
    console.log(
      row(
        String(n),
        fixed(pick((s) => s.fanoutRatio)),
        fixed(pick((s) => s.agentRatio)),
        fixed(pick((s) => s.phaseRatio)),
        fixed(
          pick((s) => s.phaseMs),
          0,
        ),
        fixed(
          pick((s) => s.events),
          0,
        ),
        `${fixed(queue, 1)}${from}`,
      ),
    );
  }
  console.log('');
  console.log(
    "fan-out/task: first task start to last task end (task status), over the longest task's agent run",
  );
  console.log("agents/task:  the same on the agents' own clock in this process (scheduling skew alone)");
  console.log('phase/task:   the whole phase (worktrees, fan-out, merge queue), over the longest task');
  console.log(
    'merge ms/branch: median of parallel.queue[].ms; (ts) = no per-merge figure, (phase end - last task end) / N',
  );
  const at16 = results.find((s) => s[0]?.n === 16);
  if (at16) {
    const ratio = median(defined(at16.map((s) => s.fanoutRatio ?? s.agentRatio)));
    const events = median(at16.map((s) => s.events));
    console.log('');
    console.log(
      `N=16: fan-out/task ${fixed(ratio)} (goal <= ${GOALS.ratioAt16}), history events ${fixed(events, 0)} (goal < ${GOALS.eventsAt16})`,
    );
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-parallel-'));
  let server: DevServer | undefined;
  let baton: Baton | undefined;
  let connection: NativeConnection | undefined;
  let results: Sample[][];
  try {
    const log = (line: string) => console.error(`[dev-server] ${line}`);
    if (process.env.TEMPORAL_ADDRESS) log(`TEMPORAL_ADDRESS is set: using ${process.env.TEMPORAL_ADDRESS}`);
    server = await ensureServer({
      port: await freePort(),
      dbFile: join(process.env.BENCH_DB_DIR ?? dir, 'temporal.db'),
      headless: true,
      log,
    });
    const taskQueue = `bench-parallel-${process.pid}-${Date.now().toString(36)}`;
    // The real workflow bundle: `pipeline` and every child workflow it starts (tasks, locks).
    const [bundle, conn] = await Promise.all([
      workflowBundle(),
      NativeConnection.connect({ address: server.address }),
    ]);
    connection = conn;
    const worker = await Worker.create({
      connection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ agents: [sleepAgent], workspaceRoot: join(dir, 'workspaces') }),
    });
    baton = await connect({ address: server.address, namespace: server.namespace, taskQueue });
    results = await worker.runUntil(bench(baton));
  } finally {
    await baton?.close();
    await connection?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  // After cleanup, so nothing a shutdown logs can come after the table.
  report(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

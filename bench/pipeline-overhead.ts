/**
 * What does running phases through `pipeline` cost over calling the same activity by hand?
 *
 * `npm run bench`. Starts a private dev server, runs the same chain of no-op phases through both
 * workflows in alternating pairs, then times approval signal → next phase on a gated run.
 * Counts: BENCH_PAIRS (measured pairs), BENCH_WARMUP_PAIRS, BENCH_SIGNAL_RUNS. See bench/README.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type ActivityInterceptorsFactory,
} from '@temporalio/worker';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { quietLogger } from '../src/workers/bundle';
import { z } from 'zod';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import { createActivities } from '../src/activities';
import { defineAgent } from '../src/activities/agents/agent';
import { connect, decide, startRun, waitForResult, type Baton } from '../src/client/runs';
import type { DefinitionInput } from '../src/shared/definition';
import { statusQuery } from '../src/shared/messages';
import type { RunSummary } from '../src/shared/status';
import type { HandWrittenChainInput } from './workflows';
import { count } from './env';
import { bootstrapInterval, median, percentile, trimmedMean } from './stats';

Runtime.install({ logger: new DefaultLogger('WARN') });

const PHASES = 10;
const PAIRS = count('BENCH_PAIRS', 30, 1);
const WARMUP_PAIRS = count('BENCH_WARMUP_PAIRS', 3, 0);
const SIGNAL_RUNS = count('BENCH_SIGNAL_RUNS', 20, 1);
const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** When each phase's agent started, by `workflowId/phase`, on this process's monotonic clock. */
const agentStarts = new Map<string, number>();
/** When each phase's activity started in this worker (monotonic) and when the server scheduled it (wall). */
const activityStarts = new Map<string, { startedAt: number; scheduledAtWall: number }>();

/** Records when `runAgent` starts, before its workspace checks: the split between the server and the activity. */
const timingInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute(input, next) {
      const phase = (input.args[0] as { phase?: unknown } | undefined)?.phase;
      if (typeof phase === 'string') {
        activityStarts.set(`${ctx.info.workflowExecution?.workflowId}/${phase}`, {
          startedAt: performance.now(),
          scheduledAtWall: ctx.info.currentAttemptScheduledTimestampMs,
        });
      }
      return next(input);
    },
  },
});

const noopAgent = defineAgent({
  name: 'noop',
  description: 'does nothing, at once',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  async run(_input, ctx) {
    agentStarts.set(`${ctx.workflowId}/${ctx.phase}`, performance.now());
    return { ok: true };
  },
});

const phaseIds = Array.from({ length: PHASES }, (_, i) => `p${i + 1}`);

const chainDefinition: DefinitionInput = {
  name: 'bench-chain',
  phases: phaseIds.map((id, i) => ({ id, agent: 'noop', needs: i === 0 ? [] : [phaseIds[i - 1] as string] })),
};

const gatedDefinition: DefinitionInput = {
  name: 'bench-gate',
  phases: [
    { id: 'a', agent: 'noop', approval: true },
    { id: 'b', agent: 'noop', needs: ['a'] },
  ],
};

let sequence = 0;
const nextId = (kind: string) => `bench-${kind}-${process.pid}-${sequence++}`;

/** Milliseconds from the start call to the result, checking that every phase ran. */
async function timePipeline(baton: Baton): Promise<number> {
  const t0 = performance.now();
  const { workflowId } = await startRun(baton, {
    definition: chainDefinition,
    agents: ['noop'],
    id: nextId('pipeline'),
  });
  const summary = await waitForResult(baton, workflowId);
  const elapsed = performance.now() - t0;
  if (summary.state !== 'completed' || summary.progress.done !== PHASES) {
    throw new Error(
      `pipeline run ${workflowId} ended ${summary.state} with ${summary.progress.done}/${PHASES} phases done`,
    );
  }
  return elapsed;
}

async function timeHandWritten(baton: Baton): Promise<number> {
  const t0 = performance.now();
  const input: HandWrittenChainInput = { phases: phaseIds, agent: 'noop' };
  const handle = await baton.client.workflow.start('handWrittenChain', {
    taskQueue: baton.taskQueue,
    workflowId: nextId('hand'),
    args: [input],
  });
  const result = (await handle.result()) as { phases: number };
  const elapsed = performance.now() - t0;
  if (result.phases !== PHASES)
    throw new Error(`hand-written run ${handle.workflowId} ran ${result.phases} phases`);
  return elapsed;
}

interface SignalSample {
  /** Signal sent → phase b's `startedAt` in the summary (workflow time, wall clock, ms resolution). */
  toStartedAt: number;
  /** Signal sent → the server scheduling b's activity (its scheduled time, wall clock). */
  toScheduled: number;
  /** Signal sent → b's `runAgent` activity starting in this worker (monotonic clock). */
  toActivity: number;
  /** Signal sent → b's agent running in this process (monotonic clock). */
  toAgent: number;
  /** The whole `decide` call: its checks (describe, status query), then the signal RPC. */
  decide: number;
  /** `decide` called → the signal RPC sent: the checks before it. */
  checks: number;
  /** The signal RPC sent → b's agent running: the wait after the decision has gone out. */
  signalToAgent: number;
}

/** When the bench's client last sent the approval signal (monotonic), from a client interceptor. */
let signalSentAt = 0;
const signalTiming: WorkflowClientInterceptor = {
  async signal(input, next) {
    signalSentAt = performance.now();
    return next(input);
  },
};

/** The same connection through a client that notes when the approval signal goes out. */
let timed: Baton | undefined;
function timedClient(baton: Baton): Baton {
  timed ??= {
    ...baton,
    client: new Client({
      connection: baton.connection,
      namespace: baton.namespace,
      interceptors: { workflow: [signalTiming] },
    }),
  };
  return timed;
}

/** Starts a gated run, waits for the gate, approves by signal and times how soon phase b starts. */
async function timeSignal(baton: Baton): Promise<SignalSample> {
  const { workflowId } = await startRun(baton, {
    definition: gatedDefinition,
    agents: ['noop'],
    approvalMode: 'manual',
    id: nextId('gate'),
  });
  const handle = baton.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 30_000;
  while (!(await handle.query(statusQuery)).gates.some((g) => g.phase === 'a')) {
    if (Date.now() > deadline) throw new Error(`gate "a" of ${workflowId} did not open within 30s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  // The poll above only decides when the signal goes; every figure is measured from here.
  const wall0 = Date.now();
  const t0 = performance.now();
  signalSentAt = 0;
  await decide(
    timedClient(baton),
    workflowId,
    { phase: 'a', action: 'approve', by: 'bench' },
    { via: 'signal', confirm: false },
  );
  const decided = performance.now() - t0;
  if (signalSentAt === 0) throw new Error(`decide sent no signal to ${workflowId}`);
  const summary: RunSummary = await waitForResult(baton, workflowId);
  const b = summary.phases.find((p) => p.id === 'b');
  const agentAt = agentStarts.get(`${workflowId}/b`);
  const activity = activityStarts.get(`${workflowId}/b`);
  if (summary.state !== 'completed' || !b?.startedAt || agentAt === undefined || !activity) {
    throw new Error(`gated run ${workflowId} ended ${summary.state}; phase b: ${JSON.stringify(b)}`);
  }
  return {
    toStartedAt: Date.parse(b.startedAt) - wall0,
    toScheduled: activity.scheduledAtWall - wall0,
    toActivity: activity.startedAt - t0,
    toAgent: agentAt - t0,
    decide: decided,
    checks: signalSentAt - t0,
    signalToAgent: agentAt - signalSentAt,
  };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const row = (label: string, ...cells: string[]) =>
  label.padEnd(40) + cells.map((c) => c.padStart(14)).join('');

async function bench(baton: Baton) {
  const pipelineMs: number[] = [];
  const handMs: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < WARMUP_PAIRS + PAIRS; pair++) {
    // Alternate which goes first, so neither always runs on the other's warmed-up state.
    let p: number;
    let h: number;
    if (pair % 2 === 0) {
      p = await timePipeline(baton);
      h = await timeHandWritten(baton);
    } else {
      h = await timeHandWritten(baton);
      p = await timePipeline(baton);
    }
    if (pair < WARMUP_PAIRS) continue;
    pipelineMs.push(p);
    handMs.push(h);
    ratios.push(p / h);
  }
  const signals: SignalSample[] = [];
  await timeSignal(baton); // warm-up
  for (let i = 0; i < SIGNAL_RUNS; i++) signals.push(await timeSignal(baton));
  return { pipelineMs, handMs, ratios, signals };
}

function report(results: Awaited<ReturnType<typeof bench>>, rss: { peak: number; runs: number }): void {
  const { pipelineMs, handMs, ratios, signals } = results;
  const pMed = median(pipelineMs);
  const hMed = median(handMs);
  const col = (xs: number[], f: (v: number[]) => number) => ms(f(xs));
  console.log('');
  console.log(
    `Baton pipeline overhead: ${PHASES} no-op phases in a chain, ${PAIRS} measured pairs (${WARMUP_PAIRS} warm-up pairs discarded)`,
  );
  console.log(row('end-to-end (start → result)', 'pipeline', 'hand-written'));
  console.log(row('  median', col(pipelineMs, median), col(handMs, median)));
  console.log(
    row(
      '  p95',
      col(pipelineMs, (v) => percentile(v, 95)),
      col(handMs, (v) => percentile(v, 95)),
    ),
  );
  console.log(
    row(
      '  min',
      col(pipelineMs, (v) => Math.min(...v)),
      col(handMs, (v) => Math.min(...v)),
    ),
  );
  console.log(
    row(
      '  max',
      col(pipelineMs, (v) => Math.max(...v)),
      col(handMs, (v) => Math.max(...v)),
    ),
  );
  console.log(row('ratio of medians', (pMed / hMed).toFixed(2)));
  const spread = bootstrapInterval(ratios);
  console.log(
    row(
      'pair ratio, 20 % trimmed mean',
      trimmedMean(ratios).toFixed(3),
      `95 % ${spread.low.toFixed(3)}–${spread.high.toFixed(3)}`,
    ),
  );
  console.log(row('per-phase overhead', ms((pMed - hMed) / PHASES)));
  console.log('');
  console.log(`Approval signal → next phase: gated run (a, gate, b), ${SIGNAL_RUNS} runs`);
  console.log(row('', 'p50', 'p95'));
  const sig = (label: string, pick: (s: SignalSample) => number) => {
    const xs = signals.map(pick);
    console.log(row(label, ms(percentile(xs, 50)), ms(percentile(xs, 95))));
  };
  sig("decide() → b's startedAt (workflow clock)", (s) => s.toStartedAt);
  sig("  → b's activity scheduled (server clock)", (s) => s.toScheduled);
  sig("  → b's activity started (this worker)", (s) => s.toActivity);
  sig("  → b's agent running (this process)", (s) => s.toAgent);
  sig('  the decide() call itself', (s) => s.decide);
  sig('  its checks, before the signal', (s) => s.checks);
  sig("signal sent → b's agent running", (s) => s.signalToAgent);
  console.log('');
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(row('peak RSS of the bench process', 'during runs', 'overall'));
  console.log(row('', mb(rss.runs), mb(rss.peak)));
  console.log(
    `pipeline/hand-written pair ratio: ${trimmedMean(ratios).toFixed(3)} (95 % interval ${spread.low.toFixed(3)}–${spread.high.toFixed(3)}, ${ratios.length} pairs)`,
  );
}

async function main(): Promise<void> {
  // Bundling (webpack) inflates the overall peak, so the runs get a peak of their own.
  const rss = { peak: 0, runs: 0, measuring: false };
  const sample = () => {
    const now = process.memoryUsage().rss;
    rss.peak = Math.max(rss.peak, now);
    if (rss.measuring) rss.runs = Math.max(rss.runs, now);
  };
  sample();
  const sampler = setInterval(sample, 50);
  sampler.unref();
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  let server: DevServer | undefined;
  let baton: Baton | undefined;
  let connection: NativeConnection | undefined;
  let results: Awaited<ReturnType<typeof bench>>;
  try {
    const log = (line: string) => console.error(`[dev-server] ${line}`);
    if (process.env.TEMPORAL_ADDRESS) log(`TEMPORAL_ADDRESS is set: using ${process.env.TEMPORAL_ADDRESS}`);
    server = await ensureServer({
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
      headless: true,
      log,
    });
    const taskQueue = `bench-${process.pid}-${Date.now().toString(36)}`;
    const [workflowBundle, conn] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }),
      NativeConnection.connect({ address: server.address }),
    ]);
    connection = conn;
    const worker = await Worker.create({
      connection,
      namespace: server.namespace,
      taskQueue,
      workflowBundle,
      activities: createActivities({ agents: [noopAgent], workspaceRoot: join(dir, 'workspaces') }),
      interceptors: { activity: [timingInterceptor] },
    });
    baton = await connect({ address: server.address, namespace: server.namespace, taskQueue });
    rss.measuring = true;
    results = await worker.runUntil(bench(baton));
    sample();
    rss.measuring = false;
  } finally {
    clearInterval(sampler);
    await baton?.close();
    await connection?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  // After cleanup, so nothing a shutdown logs can come after the last line.
  report(results, rss);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * The chaos soak: does anything get lost or done twice when everything crashes?
 *
 * `npm run bench:chaos` (not a test). Starts a Temporal server of its own (CHAOS_SERVER: `dev`, the
 * dev server on a db file, or `postgres`, Temporal on PostgreSQL, docs/postgres.md), CHAOS_WORKERS
 * `baton worker` processes, and CHAOS_RUNS runs of shipped templates (a chain with a build,
 * parallel specialists merged by the merge queue, the demo API, a security audit). Every gate is
 * decided at random (mostly approve; also retry, modify, skip, reject, and deliberate duplicates)
 * through the `baton` CLI or the Temporal CLI, each decision written to a ledger first. For
 * CHAOS_MINUTES, at random intervals, it SIGKILLs a worker, SIGKILLs the server and starts it again
 * on its store, or restarts PostgreSQL. Then it lets the runs finish and prints four figures: runs in
 * a final state, ledger decisions taken exactly once (or ignored with a reason), phase runs with two
 * commits of one idempotency key, and histories that replay.
 *
 * Settings: CHAOS_RUNS (200), CHAOS_MINUTES (10), CHAOS_WORKERS (2), CHAOS_SERVER (dev),
 * CHAOS_SEED (random), CHAOS_FAULT_SECONDS (mean seconds between faults, 30), CHAOS_THINK_SECONDS
 * (mean seconds before a gate is decided, 20), CHAOS_DRAIN_MINUTES
 * (how long the runs may take to finish after the faults stop, 20), CHAOS_DIR (keep the soak's files
 * there; default a temp dir, kept when a figure fails).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connect, startRun } from '../src/client/runs';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import type { RunStatus } from '../src/shared/status';
import { workflowBundleFile } from '../src/workers/bundle-file';
import { checkIdempotencyKeys, checkLedger, finalStatus, replayAll, unledgered } from './chaos-check';
import { createDecider, limit, type Tracked } from './chaos-decider';
import {
  devServer,
  Ledger,
  postgresServer,
  seededRandom,
  sleep,
  WorkerPool,
  type ChaosServer,
} from './chaos-parts';
import { count } from './env';

type History = temporal.api.history.v1.IHistory;

const RUNS = count('CHAOS_RUNS', 200, 1);
const MINUTES = count('CHAOS_MINUTES', 10, 0);
const WORKERS = count('CHAOS_WORKERS', 2, 1);
const FAULT_SECONDS = count('CHAOS_FAULT_SECONDS', 30, 1);
const DRAIN_MINUTES = count('CHAOS_DRAIN_MINUTES', 20, 1);
/** Mean seconds a gate waits for its decision, as a person takes a while: runs pile up at gates. */
const THINK_SECONDS = count('CHAOS_THINK_SECONDS', 20, 0);
const SEED = count('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const SERVER = process.env.CHAOS_SERVER ?? 'dev';
if (SERVER !== 'dev' && SERVER !== 'postgres')
  throw new Error(`CHAOS_SERVER=${SERVER}: expected dev (the dev server) or postgres (docs/postgres.md)`);
const TASK_QUEUE = 'chaos';
/** Phases one worker runs at once: several workers then share the runs. */
const WORKER_CONCURRENCY = 8;
/** `baton` CLI processes deciding at once (each is a Node process). */
const CLI_SLOTS = 3;

const random = seededRandom(SEED);
// The replay at the end would log each replay worker's state changes.
// No shutdown signals: the SDK's default would swallow Ctrl-C (this process runs no worker of its own).
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
const say = (line: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The templates the runs are made of, with the params each takes here. */
const FEATURES = [
  'Add a books API with a web page listing books, and tests',
  'Add a users API with docs',
  'Add an orders API with tests and a page',
];
const MIX: { template: string; weight: number; params: () => Record<string, unknown> }[] = [
  { template: 'sdlc', weight: 3, params: () => ({}) },
  { template: 'feature-parallel', weight: 3, params: () => ({ feature: random.pick(FEATURES) }) },
  { template: 'node-express-api', weight: 2, params: () => ({}) },
  { template: 'security-audit', weight: 2, params: () => ({}) },
];
/** Which input field a `modify` changes, per gated phase that has one the soak can vary. */
const MODIFIABLE: Record<string, () => Record<string, unknown>> = {
  decompose: () => ({ feature: random.pick(FEATURES) }),
  spec: () => ({ requirements: 'A REST API for a reading list: books (title, author) and readers (name)' }),
};

const figures = {
  faults: new Map<string, number>(),
  startRetries: 0,
};
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

async function main(): Promise<void> {
  const keep = process.env.CHAOS_DIR !== undefined;
  const dir = keep ? resolve(process.env.CHAOS_DIR as string) : await mkdtemp(join(tmpdir(), 'baton-chaos-'));
  await mkdir(dir, { recursive: true });
  const home = join(dir, 'home');
  say(
    `seed ${SEED}; ${RUNS} runs, ${WORKERS} workers, faults for ${MINUTES} min on the ${SERVER} server; files in ${dir}`,
  );

  const temporalCli = await ensureTemporalCli(say);
  if (!temporalCli) throw new Error('the soak needs the Temporal CLI (npm run pretest builds it)');
  const server: ChaosServer =
    SERVER === 'dev' ? await devServer(dir, say) : await postgresServer(join(dir, 'pg'), say);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    BATON_TASK_QUEUE: TASK_QUEUE,
    BATON_HOME: home,
    BATON_LOG_LEVEL: 'ERROR',
    BATON_QUERY_TIMEOUT_MS: '5000',
    BATON_USER: 'chaos',
  };
  const pool = new WorkerPool(WORKERS, env, dir, WORKER_CONCURRENCY, () => random.between(500, 5000));
  // Ctrl-C or SIGTERM: the workers and the server go too, the files stay.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`${signal}: stopping the workers and the server; the soak's files stay in ${dir}`);
      void Promise.allSettled([pool.stop(), server.stop()]).then(() => process.exit(130));
    });
  await pool.start();
  say(`${WORKERS} workers polling at ${server.address}`);
  const baton = await connect({
    address: server.address,
    namespace: server.namespace,
    taskQueue: TASK_QUEUE,
  });
  const ledger = new Ledger(join(dir, 'ledger.jsonl'));

  const runs: Tracked[] = Array.from({ length: RUNS }, (_, i) => {
    const pick = random.weighted(Object.fromEntries(MIX.map((m) => [m.template, m.weight])));
    return {
      id: `chaos-${String(i + 1).padStart(3, '0')}-${pick}`,
      template: pick,
      started: false,
      decided: new Map(),
      deciding: new Set(),
      perPhase: new Map(),
    };
  });
  const open = () => runs.filter((r) => r.started && !r.final);

  const decider = createDecider({
    baton,
    ledger,
    random,
    env,
    temporalCli,
    server,
    thinkSeconds: THINK_SECONDS,
    modifiable: MODIFIABLE,
    cliSlots: CLI_SLOTS,
  });
  const { unresolved, pending } = decider;

  // ---- the loops
  let faultsOn = MINUTES > 0;
  const startedAt = Date.now();
  const faultsEnd = startedAt + MINUTES * 60_000;

  const starter = (async () => {
    // Starts spread over the first 80 % of the fault window (all at once without one).
    const gap = MINUTES > 0 ? (MINUTES * 60_000 * 0.8) / RUNS : 0;
    for (const run of runs) {
      const mix = MIX.find((m) => m.template === run.template)!;
      for (let attempt = 1; !run.started; attempt++) {
        try {
          await startRun(baton, { template: run.template, params: mix.params(), id: run.id });
          run.started = true;
        } catch (error) {
          // An earlier attempt may have landed before its answer was lost.
          const there = await baton.client.workflow
            .getHandle(run.id)
            .describe()
            .then(
              () => true,
              () => false,
            );
          if (there) run.started = true;
          else {
            figures.startRetries++;
            if (attempt % 10 === 0)
              say(`start of ${run.id} still failing: ${(error as Error).message.split('\n')[0]}`);
            await sleep(1000);
          }
        }
      }
      if (gap) await sleep(gap);
    }
    say(`all ${RUNS} runs started`);
  })();

  const faulter = (async () => {
    while (faultsOn) {
      await sleep(random.between(0.3, 1.7) * FAULT_SECONDS * 1000);
      if (!faultsOn || Date.now() >= faultsEnd) break;
      const choices: Record<string, number> = { 'worker SIGKILL': 5 };
      for (const fault of server.faults) choices[fault.name] = fault.name.includes('PostgreSQL') ? 2 : 3;
      const name = random.weighted(choices);
      const at = Date.now();
      try {
        if (name === 'worker SIGKILL') await pool.killOne(random);
        else await server.faults.find((f) => f.name === name)!.inject(random);
        bump(figures.faults, name);
        say(
          `fault: ${name} (${((Date.now() - at) / 1000).toFixed(1)} s); ${open().length} runs open, ${pool.alive} workers up`,
        );
      } catch (error) {
        say(`fault ${name} failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  })();

  const drainEnd = () => Math.max(faultsEnd, startedAt) + DRAIN_MINUTES * 60_000;
  let lastReport = 0;
  while (Date.now() < drainEnd()) {
    if (Date.now() >= faultsEnd) faultsOn = false;
    const waiting = open();
    const done = runs.filter((r) => r.final).length;
    // Faults go on for the whole window, even while few runs are open; then the rest may finish.
    if (!faultsOn && done === RUNS && pending.size === 0 && unresolved.size === 0) break;
    const check = limit(6);
    await Promise.all(waiting.map((run) => check(() => decider.visit(run))));
    await decider.reconcile();
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      say(
        `${done}/${RUNS} final, ${waiting.length} open, ${ledger.entries.size} decisions, ${unresolved.size} unresolved, faults ${[...figures.faults].map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}`,
      );
    }
    await sleep(1000);
  }
  faultsOn = false;
  await Promise.all([starter, faulter, ...pending]);

  // ---- the verdicts
  say('collecting histories and final states');
  const bundle = await workflowBundleFile();
  const collected = new Map<string, { history: History; status: RunStatus | undefined }>();
  const histories: { workflowId: string; history: History }[] = [];
  for await (const wf of baton.client.workflow.list({ query: `TaskQueue = "${TASK_QUEUE}"` })) {
    const history = await baton.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    histories.push({ workflowId: wf.workflowId, history });
  }
  const states = new Map<string, number>();
  for (const run of runs) {
    const description = await baton.client.workflow
      .getHandle(run.id)
      .describe()
      .catch(() => undefined);
    const closed = description && description.status.name !== 'RUNNING';
    const status = closed ? await finalStatus(baton, run.id) : undefined;
    const history = histories.find((h) => h.workflowId === run.id)?.history ?? { events: [] };
    collected.set(run.id, { history, status });
    bump(states, closed ? (status?.state ?? description.status.name.toLowerCase()) : 'still open');
  }
  const finalCount = RUNS - (states.get('still open') ?? 0);
  const decisions = checkLedger(ledger, collected);
  const strays = unledgered(ledger, collected);
  const keys = await checkIdempotencyKeys(join(home, 'workspaces'));
  const replay = await replayAll(bundle.codePath, histories);
  ledger.close();
  await pool.stop();
  await baton.close();
  await server.stop();

  const entries = ledger.entries.size;
  const pct = (a: number, b: number) => `${b === 0 ? 100 : ((100 * a) / b).toFixed(1)} %`;
  console.log(
    `\nChaos soak, seed ${SEED}: ${RUNS} runs on the ${SERVER} server, ${WORKERS} workers, faults for ${MINUTES} min, ${((Date.now() - startedAt) / 60_000).toFixed(1)} min in all`,
  );
  console.log(
    `  faults: ${[...figures.faults].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}; workers that exited by themselves: ${pool.selfExits}; start retries: ${figures.startRetries}`,
  );
  console.log(`  runs: ${[...states].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `  decisions: ${entries} in the ledger (${decider.counts.baton} sends by the baton CLI, ${decider.counts.temporal} by the Temporal CLI, ${decider.counts.duplicates} deliberate duplicates, ${decider.counts.resends} resends of unknown outcomes, ${decider.counts.again} gates decided again after the run ignored a decision)`,
  );
  console.log(
    `    taken once ${decisions.once}, ignored with a reason ${decisions.ignored}, never in history, refused with a reason ${decisions.refused}, wrong ${decisions.bad.length}`,
  );
  for (const [reason, n] of decisions.ignoredReasons) console.log(`    ignored ×${n}: ${reason}`);
  for (const bad of decisions.bad.slice(0, 20)) console.log(`    WRONG ${bad.why}`);
  for (const stray of strays.slice(0, 20)) console.log(`    UNLEDGERED decision taken: ${stray}`);
  console.log(`  commits: ${keys.commits} with a Baton-Key in ${keys.workspaces} workspaces`);
  for (const dup of keys.duplicates.slice(0, 20)) console.log(`    DUPLICATE ${dup}`);
  for (const failure of replay.failures.slice(0, 20)) console.log(`    REPLAY FAILED ${failure}`);
  const ledgerOk = decisions.once + decisions.ignored + decisions.refused;
  const ok =
    finalCount === RUNS &&
    decisions.bad.length === 0 &&
    strays.length === 0 &&
    keys.duplicates.length === 0 &&
    replay.failures.length === 0;
  console.log(
    `runs final: ${pct(finalCount, RUNS)} (${finalCount}/${RUNS}), ledger decisions exactly once or ignored with a reason: ${pct(ledgerOk, entries)} (${ledgerOk}/${entries}), ` +
      `phase runs with a duplicate idempotency key: ${keys.duplicates.length}, histories that replay: ${replay.replayed - replay.failures.length}/${replay.replayed}`,
  );
  if (!ok) {
    say(`something is wrong; the soak's files stay in ${dir}`);
    process.exitCode = 1;
  } else if (!keep) await rm(dir, { recursive: true, force: true });
}

await main();
process.exit(process.exitCode ?? 0);

/**
 * What does serving metrics (BATON_METRICS_ADDRESS) cost a worker?
 *
 * `npm run bench:metrics`. Starts a private dev server and builds the workflow bundle once, then
 * runs the same pipeline workload in worker processes of its own, with metrics off and on in
 * alternating rounds: the SDK's runtime takes its telemetry once per process, so each mode needs
 * a fresh one. Counts: BENCH_ROUNDS, BENCH_RUNS, BENCH_CONCURRENCY, BENCH_WARMUP_RUNS.
 * See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { defineAgent } from '../src/activities/agents/agent';
import { connect, startRun, waitForResult, type Baton } from '../src/client/runs';
import { freePort } from '../src/dev/net';
import { ensureServer, type DevServer } from '../src/dev/server';
import type { DefinitionInput } from '../src/shared/definition';
import { temporalSettings } from '../src/shared/temporal-settings';
import { quietLogger, WORKFLOWS_PATH } from '../src/workers/bundle';
import { metricsEndpoint, metricsTelemetry, startWorkerGauges } from '../src/workers/metrics';
import { count } from './env';

const ROUNDS = count('BENCH_ROUNDS', 3, 1);
const RUNS = count('BENCH_RUNS', 30, 1);
const CONCURRENCY = count('BENCH_CONCURRENCY', 4, 1);
const WARMUP_RUNS = count('BENCH_WARMUP_RUNS', 4, 0);
const PHASES = 10;
const SELF = fileURLToPath(import.meta.url);
const RESULT = 'BENCH_RESULT ';

const ChildResult = z.object({
  mode: z.enum(['off', 'on']),
  runsPerSecond: z.number(),
  peakRss: z.number(),
  scrapes: z.number(),
  scrapeBytes: z.number(),
});
type ChildResult = z.infer<typeof ChildResult>;

/** Returns at once, reporting one LLM call as an LLM-backed agent does (tokens and cost metrics). */
const noopAgent = defineAgent({
  name: 'noop',
  description: 'does nothing, at once',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  async run(_input, ctx) {
    ctx.recordUsage({ model: 'openai:bench', inputTokens: 10, outputTokens: 2, costUsd: 0.001 });
    return { ok: true };
  },
});

const phaseIds = Array.from({ length: PHASES }, (_, i) => `p${i + 1}`);
// The chain of bench/pipeline-overhead.ts, with one auto-approved gate (gate and decision metrics).
const chain: DefinitionInput = {
  name: 'bench-metrics',
  phases: phaseIds.map((id, i) => ({
    id,
    agent: 'noop',
    needs: i === 0 ? [] : [phaseIds[i - 1] as string],
    ...(i === 4 && { approval: true }),
  })),
};

let sequence = 0;
async function oneRun(baton: Baton): Promise<void> {
  const { workflowId } = await startRun(baton, {
    definition: chain,
    agents: ['noop'],
    approvalMode: 'auto',
    id: `bench-metrics-${process.pid}-${sequence++}`,
  });
  const summary = await waitForResult(baton, workflowId);
  if (summary.state !== 'completed' || summary.progress.done !== PHASES)
    throw new Error(`run ${workflowId} ended ${summary.state} with ${summary.progress.done}/${PHASES} done`);
}

/** `total` runs, `concurrency` at a time. */
async function runMany(baton: Baton, total: number, concurrency: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next += 1;
      await oneRun(baton);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

/** One worker process: the workload with metrics as `mode` says, its figures on stdout. */
async function child(mode: 'off' | 'on'): Promise<void> {
  const address = process.env.BENCH_ADDRESS ?? '';
  const endpoint = mode === 'on' ? metricsEndpoint(process.env) : undefined;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    ...(endpoint && { telemetryOptions: metricsTelemetry(endpoint) }),
  });
  const taskQueue = `bench-metrics-${mode}-${process.pid}`;
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-metrics-'));
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: process.env.BENCH_BUNDLE ?? '' },
    activities: createActivities({ agents: [noopAgent], workspaceRoot: dir }),
  });
  const { logger, metricMeter } = Runtime.instance();
  const settings = temporalSettings(process.env, { address, taskQueue });
  const gauges = endpoint && startWorkerGauges({ settings, meter: metricMeter, logger });
  const baton = await connect({ address, taskQueue });
  // Prometheus scrapes every 15 s; once a second here, so the exposition's cost shows.
  const scraped = { scrapes: 0, scrapeBytes: 0 };
  const scraper =
    endpoint &&
    setInterval(() => {
      void fetch(endpoint.url)
        .then((r) => r.text())
        .then((text) => {
          scraped.scrapes += 1;
          scraped.scrapeBytes = text.length;
        });
    }, 1000);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  let runsPerSecond = 0;
  try {
    await worker.runUntil(async () => {
      await runMany(baton, WARMUP_RUNS, CONCURRENCY);
      peakRss = 0;
      const t0 = performance.now();
      await runMany(baton, RUNS, CONCURRENCY);
      runsPerSecond = RUNS / ((performance.now() - t0) / 1000);
    });
  } finally {
    clearInterval(sampler);
    if (scraper) clearInterval(scraper);
    await gauges?.stop();
    await baton.close();
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  }
  const result: ChildResult = { mode, runsPerSecond, peakRss, ...scraped };
  console.log(RESULT + JSON.stringify(result));
}

async function spawnChild(mode: 'off' | 'on', env: Record<string, string>): Promise<ChildResult> {
  const extra = mode === 'on' ? { BATON_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` } : {};
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', mode], {
    env: { ...process.env, ...env, ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith(RESULT));
  if (code !== 0 || !line) throw new Error(`the ${mode} worker exited ${code}: ${out}`);
  return ChildResult.parse(JSON.parse(line.slice(RESULT.length)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const row = (label: string, ...cells: string[]) =>
  label.padEnd(34) + cells.map((c) => c.padStart(14)).join('');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function report(results: ChildResult[]): void {
  const of = (mode: 'off' | 'on') => results.filter((r) => r.mode === mode);
  const [off, on] = [of('off'), of('on')];
  const tput = (rs: ChildResult[]) => median(rs.map((r) => r.runsPerSecond));
  const rss = (rs: ChildResult[]) => median(rs.map((r) => r.peakRss));
  console.log('');
  console.log(
    `Metrics off vs on: ${PHASES}-phase chain with one auto gate, ${RUNS} runs ${CONCURRENCY} at a time per worker (${WARMUP_RUNS} warm-up runs), ${ROUNDS} rounds (medians)`,
  );
  console.log(row('', 'off', 'on', 'on/off'));
  console.log(
    row('throughput (runs/s)', tput(off).toFixed(2), tput(on).toFixed(2), (tput(on) / tput(off)).toFixed(3)),
  );
  console.log(row('peak worker RSS', mb(rss(off)), mb(rss(on)), (rss(on) / rss(off)).toFixed(3)));
  // Each round ran one worker of each mode back to back: its ratio is the least drift-prone figure.
  const ratios = off.map((r, i) => (on[i]?.runsPerSecond ?? 0) / r.runsPerSecond);
  console.log(row('median of per-round ratios', '', '', median(ratios).toFixed(3)));
  const runs = (rs: ChildResult[]) => rs.map((r) => r.runsPerSecond.toFixed(2)).join(' ');
  console.log(
    `per round (runs/s): off ${runs(off)}; on ${runs(on)}; on/off ${ratios.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const last = on.at(-1);
  if (last)
    console.log(
      row(
        'scrapes (1/s) / exposition size',
        String(last.scrapes),
        `${(last.scrapeBytes / 1024).toFixed(0)} KiB`,
      ),
    );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  let server: DevServer | undefined;
  const results: ChildResult[] = [];
  try {
    server = await ensureServer({
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
      headless: true,
      log: (line) => console.error(`[dev-server] ${line}`),
    });
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
    const bundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(bundlePath, bundle.code);
    const env = { BENCH_ADDRESS: server.address, BENCH_BUNDLE: bundlePath };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always runs on the other's warmed-up server.
      const order: ('off' | 'on')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const result = await spawnChild(mode, env);
        console.error(
          `round ${round + 1} ${mode}: ${result.runsPerSecond.toFixed(2)} runs/s, ${mb(result.peakRss)}`,
        );
        results.push(result);
      }
    }
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  report(results);
}

const childAt = process.argv.indexOf('--child');
const mode = childAt > 0 ? process.argv[childAt + 1] : undefined;
(mode === 'off' || mode === 'on' ? child(mode) : main()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Records one history per template into test/fixtures/histories/, for the replay test.
 * Each run goes through its gates with every kind of decision transport (update and signal), so
 * the replay covers them. Run after an intentional workflow change that is guarded by patched().
 *
 *   npm run record-histories -- v2
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../src/activities';
import { defineAgent } from '../src/activities/agents/agent';
import { builtinAgents } from '../src/activities/agents';
import { connect, decide, getStatus, isFinalState, startRun, type StartOptions } from '../src/client/runs';
import { statusQuery, type DecisionAction } from '../src/shared/messages';
import { listTemplates } from '../src/client/templates';
import { workflowBundle } from '../src/workers/bundle';
import { ensureServer, findTemporalCli, freePort } from './dev-server';

Runtime.install({ logger: new DefaultLogger('WARN') });
const OUT = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));

const run = promisify(execFile);
/** `npm run record-histories -- v3`: the version tag in the file names; older files are kept. */
const tag = process.argv[2];
if (!tag || !/^[a-z0-9-]+$/i.test(tag))
  throw new Error('Usage: npm run record-histories -- <tag>, e.g. v2 (files become <template>.<tag>.json)');
const cli = await findTemporalCli();
if (!cli)
  throw new Error('record-histories needs the Temporal CLI: run `npx tsx scripts/dev-server.ts install`');
const dir = await mkdtemp(join(tmpdir(), 'baton-record-'));
const server = await ensureServer({
  port: await freePort(),
  dbFile: join(dir, 'temporal.db'),
  headless: true,
});
const taskQueue = 'baton-record';

/** Stands in for an LLM agent: records token usage, so budgets apply. */
const spendAgent = defineAgent({
  name: 'spend',
  description: 'records token usage',
  input: z.object({ tokens: z.number() }),
  output: z.object({ spent: z.number() }),
  async run({ tokens }, ctx) {
    ctx.recordUsage({ model: 'recorded-model', inputTokens: tokens, outputTokens: 0 });
    return { spent: tokens };
  },
});

/** A two-phase definition whose run budget is already spent, so its budget gate opens. */
function budgeted(): unknown {
  return {
    name: 'budgeted',
    budget: { tokens: 1 },
    phases: [
      { id: 'first', agent: 'spend', input: { tokens: 5 } },
      { id: 'second', agent: 'spend', needs: ['first'], input: { tokens: 5 } },
    ],
  };
}
const connection = await NativeConnection.connect({ address: server.address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowBundle: await workflowBundle(),
  activities: createActivities({
    agents: [...builtinAgents(), spendAgent],
    workspaceRoot: join(dir, 'workspaces'),
  }),
});
const baton = await connect({ address: server.address, taskQueue });

type Step = { action: DecisionAction; changes?: Record<string, unknown> };

/**
 * Drives one run through its gates with `steps` (then approves whatever opens after them), switching
 * between update and signal, and saves its history as `<name>.<tag>.json`.
 */
async function record(name: string, start: StartOptions, steps: Step[] = []): Promise<void> {
  const { workflowId } = await startRun(baton, { ...start, id: `record-${name}-${tag}` });
  let via: 'update' | 'signal' = 'update';
  let decided = 0;
  for (;;) {
    const status = await getStatus(baton, workflowId);
    if (isFinalState(status.state)) break;
    const gate = status.gates[0];
    if (gate && status.phases.find((p) => p.id === gate.phase)?.state !== 'running') {
      const step = steps[decided] ?? { action: 'approve' };
      await decide(
        baton,
        workflowId,
        { phase: gate.phase, ...step, by: 'recorder', comment: `${step.action} via ${via}` },
        { via },
      );
      decided += 1;
      via = via === 'update' ? 'signal' : 'update';
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const summary = await baton.client.workflow.getHandle(workflowId).query(statusQuery);
  // The CLI writes the canonical proto3 JSON that historyFromJSON reads back.
  const { stdout } = await run(
    cli as string,
    ['workflow', 'show', '--address', server.address, '--workflow-id', workflowId, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await writeFile(join(OUT, `${name}.${tag}.json`), stdout);
  console.log(
    `${name}: ${summary.state}, ${(JSON.parse(stdout) as { events: unknown[] }).events.length} events`,
  );
}

await worker.runUntil(async () => {
  for (const template of await listTemplates()) await record(template.name, { template: template.name });
  // The other gate paths, so command-order changes on them are caught too.
  await record('node-express-api-decisions', { template: 'node-express-api' }, [
    { action: 'modify', changes: { resources: 'orders' } },
    { action: 'retry' },
    { action: 'approve' },
    { action: 'skip' },
  ]);
  await record('node-express-api-rejected', { template: 'node-express-api' }, [{ action: 'reject' }]);
  await record('budget-gate', { definition: budgeted(), agents: ['spend'] }, [
    { action: 'modify', changes: { budget: { tokens: 1_000_000 } } },
  ]);
});
await baton.close();
await connection.close();
await server.stop();

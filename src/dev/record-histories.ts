/**
 * Records one history per template into test/fixtures/histories/, for the replay test, plus the
 * other gate paths, a budget gate and a run whose parallel phases merge. Runs go through their
 * gates switching between update and signal (and between naming the gate id and not), so the
 * replay covers each. Run after an intentional workflow change guarded by patched():
 * `npm run record-histories -- v4` (scripts/record-histories.ts is the entry point).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { freePort } from './net';
import { ensureServer } from './server';
import { findTemporalCli } from './temporal-cli';
import { createActivities } from '../activities';
import { builtinAgents } from '../activities/agents';
import { defineAgent } from '../activities/agents/agent';
import {
  connect,
  decide,
  getStatus,
  isFinalState,
  startRun,
  type Baton,
  type StartOptions,
} from '../client/runs';
import { listTemplates } from '../client/templates';
import type { BatonConfig } from '../config';
import type { SigningKey } from '../client/sign';
import type { DefinitionInput } from '../shared/definition';
import { statusQuery, type DecisionAction } from '../shared/messages';
import { workflowBundle } from '../workers/bundle';

const OUT = fileURLToPath(new URL('../../test/fixtures/histories/', import.meta.url));
const run = promisify(execFile);

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

/** Writes one file in its worktree: parallel phases using it merge into main. */
const noteAgent = defineAgent({
  name: 'note',
  description: 'writes a file',
  input: z.object({ file: z.string() }),
  output: z.object({ wrote: z.string() }),
  async run({ file }, ctx) {
    await writeFile(join(ctx.workspace, file), `${ctx.phase}\n`);
    return { wrote: file };
  },
});

/** A two-phase definition whose run budget is already spent, so its budget gate opens. */
const budgeted = {
  name: 'budgeted',
  budget: { tokens: 1 },
  phases: [
    { id: 'first', agent: 'spend', input: { tokens: 5 } },
    { id: 'second', agent: 'spend', needs: ['first'], input: { tokens: 5 } },
  ],
};

/** Two independent phases, then one that needs both: a fast-forward, a merge commit, a gate. */
const parallel = {
  name: 'parallel-merge',
  phases: [
    { id: 'left', agent: 'note', input: { file: 'left.txt' } },
    { id: 'right', agent: 'note', input: { file: 'right.txt' } },
    { id: 'join', agent: 'note', needs: ['left', 'right'], input: { file: 'join.txt' }, approval: true },
  ],
};

/** Writes the given content to a file in its worktree: parallel tasks using it can conflict. */
const putAgent = defineAgent({
  name: 'put',
  description: 'writes a file with the given content',
  input: z.object({ file: z.string(), content: z.string() }),
  output: z.object({ wrote: z.string() }),
  async run({ file, content }, ctx) {
    await writeFile(join(ctx.workspace, file), content);
    return { wrote: file };
  },
});

/**
 * A parallel phase whose task `a` has a gate of its own and whose tasks `a` and `b` change the same
 * line: the merge queue opens a conflict gate, settled by a modify that picks b's side.
 */
const parallelConflict = {
  name: 'parallel-conflict',
  phases: [
    { id: 'seed', agent: 'put', input: { file: 'shared.txt', content: 'x\n' } },
    {
      id: 'work',
      needs: ['seed'],
      parallel: {
        tasks: [
          { id: 'a', agent: 'put', input: { file: 'shared.txt', content: 'a\n' }, approval: true },
          { id: 'b', agent: 'put', input: { file: 'shared.txt', content: 'b\n' } },
          { id: 'c', agent: 'put', input: { file: 'c.txt', content: 'c\n' }, locks: ['record-lock'] },
        ],
      },
      merge: { verify: { agent: 'put', input: { file: 'verified.txt', content: 'ok\n' } } },
    },
  ],
};

const governed: DefinitionInput = {
  name: 'governed',
  phases: [
    {
      id: 'spec',
      agent: 'note',
      input: { file: 'spec.txt' },
      approval: { approvers: { roles: ['lead'] }, minApprovals: 2, remind: '1s' },
    },
    {
      id: 'review',
      agent: 'note',
      needs: ['spec'],
      input: { file: 'review.txt' },
      approval: { autoApprove: { when: 'phases.review.output.wrote == "review.txt"' } },
    },
    {
      id: 'ship',
      agent: 'note',
      needs: ['review'],
      input: { file: 'ship.txt' },
      approval: {
        approvers: { users: ['recorder'] },
        escalate: { after: '100ms', to: { roles: ['director'] } },
      },
    },
  ],
};

/** A config with nothing in it but what the recording sets. */
const emptyConfig = (): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
});

/** Params for the templates that have required ones. */
const EXAMPLE_PARAMS: Record<string, Record<string, string>> = {
  'feature-parallel': { feature: 'Add a books API with a web page listing books, and tests' },
  'hybrid-feature': { feature: 'Add a books API with a web page listing books, and tests' },
};

type Step = { action: DecisionAction; changes?: Record<string, unknown>; by?: string };

/** Records every history into files `<name>.<tag>.json`; older files are kept. */
export async function recordHistories(tag: string): Promise<void> {
  if (!/^[a-z0-9-]+$/i.test(tag))
    throw new Error('Usage: npm run record-histories -- <tag>, e.g. v4 (files become <template>.<tag>.json)');
  Runtime.install({ logger: new DefaultLogger('WARN') });
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
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      agents: [...builtinAgents(), spendAgent, noteAgent, putAgent],
      workspaceRoot: join(dir, 'workspaces'),
      config: { ...emptyConfig(), roles: { lead: ['recorder', 'second'], director: ['chief'] } },
    }),
  });
  const baton = await connect({ address: server.address, taskQueue });
  const record = (name: string, start: StartOptions, steps: Step[] = []) =>
    recordOne({ baton, cli, address: server.address, tag }, name, start, steps);
  // Signed decisions need a worker that takes only them, with the shared key in its environment.
  const signingKey = { id: 'shared', key: 'recording-only-key-0123456789abcdef0123' };
  process.env.BATON_DECISION_KEY = signingKey.key;
  const signedQueue = 'baton-record-signed';
  const signedWorker = await Worker.create({
    connection,
    taskQueue: signedQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      agents: [noteAgent],
      workspaceRoot: join(dir, 'workspaces-signed'),
      config: {
        ...emptyConfig(),
        roles: { lead: ['recorder', 'second'], director: ['chief'] },
        security: { signedDecisions: true, decisionKeys: {} },
      },
    }),
  });
  const signedBaton = await connect({ address: server.address, taskQueue: signedQueue });

  await signedWorker.runUntil(async () => {
    // Signed decisions by signal and by update: the signature checks are local activities.
    await recordOne(
      { baton: signedBaton, cli, address: server.address, tag, signingKey },
      'governed-signed',
      { definition: governed, agents: ['note'] },
      [
        { action: 'approve', by: 'recorder' },
        { action: 'approve', by: 'second' },
        { action: 'approve', by: 'recorder' },
      ],
    );
  });
  await signedBaton.close();
  await worker.runUntil(async () => {
    for (const template of await listTemplates()) {
      await record(template.name, { template: template.name, params: EXAMPLE_PARAMS[template.name] ?? {} });
    }
    // The other gate paths, so command-order changes on them are caught too.
    await record('node-express-api-decisions', { template: 'node-express-api' }, [
      { action: 'modify', changes: { resources: 'orders' } },
      { action: 'retry' },
      { action: 'approve' },
      { action: 'skip' },
    ]);
    await record('node-express-api-rejected', { template: 'node-express-api' }, [{ action: 'reject' }]);
    await record('budget-gate', { definition: budgeted, agents: ['spend'] }, [
      { action: 'modify', changes: { budget: { tokens: 1_000_000 } } },
    ]);
    await record('parallel-merge', { definition: parallel, agents: ['note'] });
    // A run on a user's repository that exports its tree: the clone, the pushes, the export.
    const repo = await scratchRepository(join(dir, 'user-repo'));
    await record('sdlc-repo-out', { template: 'sdlc', repo, out: join(dir, 'exported') });
    // Gate governance: approvers, the two-person rule, a reminder and an escalation, a policy.
    await record('governed', { definition: governed, agents: ['note'] }, [
      { action: 'approve', by: 'recorder' },
      { action: 'approve', by: 'second' },
      { action: 'approve', by: 'recorder' },
    ]);
    await record('parallel-conflict', { definition: parallelConflict, agents: ['put'] }, [
      { action: 'approve' },
      { action: 'modify', changes: { resolutions: { 'shared.txt': 'b' } } },
    ]);
  });
  await baton.close();
  await connection.close();
  await server.stop();
}

/** A user's repository with one commit, for the `--repo` recording. */
async function scratchRepository(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'README.md'), '# A project\n');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'u',
    GIT_AUTHOR_EMAIL: 'u@x',
    GIT_COMMITTER_NAME: 'u',
    GIT_COMMITTER_EMAIL: 'u@x',
  };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'first'],
  ]) {
    await run('git', args, { cwd: path, env });
  }
  return path;
}

/**
 * Drives one run through its gates with `steps` (then approves whatever opens after them),
 * switching between update and signal, and saves its history as `<name>.<tag>.json`.
 */
async function recordOne(
  ctx: { baton: Baton; cli: string; address: string; tag: string; signingKey?: SigningKey },
  name: string,
  start: StartOptions,
  steps: Step[],
): Promise<void> {
  const { baton, cli, address, tag } = ctx;
  const { workflowId } = await startRun(baton, { ...start, id: recordedWorkflowId(name, tag) });
  let via: 'update' | 'signal' = 'update';
  let decided = 0;
  for (;;) {
    const status = await getStatus(baton, workflowId);
    if (isFinalState(status.state)) break;
    const gate = status.gates[0];
    // An approval gate of a phase that is running again is stale; every other kind opens while its
    // phase runs (a parallel phase's conflict gate, a task's gate).
    const stale =
      gate?.kind === 'approval' && status.phases.find((p) => p.id === gate.phase)?.state === 'running';
    if (gate && !stale) {
      const step = steps[decided] ?? { action: 'approve' };
      // Every other decision names its gate; the others go to the phase's open gate.
      const named = decided % 2 === 0 ? { gate: gate.id } : {};
      await decide(
        baton,
        workflowId,
        { phase: gate.phase, ...named, by: 'recorder', ...step, comment: `${step.action} via ${via}` },
        { via, ...(ctx.signingKey ? { signingKey: ctx.signingKey } : {}) },
      );
      decided += 1;
      via = via === 'update' ? 'signal' : 'update';
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const summary = await baton.client.workflow.getHandle(workflowId).query(statusQuery);
  // The CLI writes the canonical proto3 JSON that historyFromJSON reads back.
  const { stdout } = await run(
    cli,
    ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await writeFile(join(OUT, `${name}.${tag}.json`), stdout);
  console.log(
    `${name}: ${summary.state}, ${(JSON.parse(stdout) as { events: unknown[] }).events.length} events`,
  );
}

/**
 * The workflow id a recorded history ran under, from its file's name and tag: replay must use it,
 * since a parallel phase names its child workflows after the run.
 */
export const recordedWorkflowId = (name: string, tag: string): string => `record-${name}-${tag}`;

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
import { freePort } from './net';
import { ensureServer } from './server';
import { findTemporalCli } from './temporal-cli';
import { createActivities } from '../activities';
import { builtinAgents } from '../activities/agents';
import {
  connect,
  decide,
  getStatus,
  isFinalState,
  startRun,
  type Baton,
  type StartOptions,
} from '../client/runs';
import { startDispatch, type DispatchOptions } from '../client/dispatch';
import { listTemplates } from '../client/templates';
import type { SigningKey } from '../client/sign';
import { statusQuery, type DecisionAction } from '../shared/messages';
import { workflowBundle } from '../workers/bundle';
import {
  budgeted,
  children,
  retryAgent,
  emitSelfAgent,
  emptyConfig,
  EXAMPLE_PARAMS,
  governed,
  messaging,
  noteAgent,
  parallel,
  parallelConflict,
  failAgent,
  flow,
  putAgent,
  spendAgent,
  startReceiver,
} from './record-scenarios';

const OUT = fileURLToPath(new URL('../../test/fixtures/histories/', import.meta.url));
const run = promisify(execFile);

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
  const receiver = await startReceiver();
  const taskQueue = 'baton-record';
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      agents: [...builtinAgents(), spendAgent, noteAgent, putAgent, failAgent, emitSelfAgent, retryAgent],
      workspaceRoot: join(dir, 'workspaces'),
      config: {
        ...emptyConfig(),
        roles: { lead: ['recorder', 'second'], director: ['chief'] },
        notifications: [{ kind: 'webhook', url: receiver.url }],
      },
    }),
  });
  const baton = await connect({ address: server.address, taskQueue });
  const record = (name: string, start: StartOptions | { dispatch: DispatchOptions }, steps: Step[] = []) =>
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
    // Conditions and fallbacks: the failure gate of `tests` is settled by a modify.
    await record('flow-conditions', { definition: flow, agents: ['fail-on-demand'] }, [
      { action: 'modify', changes: { fail: false } },
    ]);
    // Messaging (issue 12): an emit to the run itself, taken by a wait phase.
    await record('child-pipeline', { definition: children, agents: ['note', 'try-again'] });
    // The dispatch workflow: an offline analysis composes a pipeline, run as a child, every gate auto.
    await record('dispatch', {
      dispatch: {
        request: 'Create an automated blue-green deployment pipeline with rollback',
        context: {},
        autoApprove: true,
      },
    });
    await record('messaging', { definition: messaging, agents: ['emit-self', 'note'] });
  });
  await baton.close();
  await connection.close();
  await server.stop();
  await receiver.close();
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
  start: StartOptions | { dispatch: DispatchOptions },
  steps: Step[],
): Promise<void> {
  const { baton, cli, address, tag } = ctx;
  const id = recordedWorkflowId(name, tag);
  const { workflowId } =
    'dispatch' in start
      ? await startDispatch(baton, { ...start.dispatch, id })
      : await startRun(baton, { ...start, id });
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

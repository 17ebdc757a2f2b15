import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { explain } from '../../src/client/cli/explain';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { RunListing } from '../../src/client/api-schemas';
import { approvalSignal, WORKFLOW_TYPE } from '../../src/shared/messages';
import type { RunStatus } from '../../src/shared/status';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { cli, expectCleanError } from './cli-helpers';

const shared = useWorker({ prefix: 'cli-runs', agents: builtinAgents() });
const { baton, json, spawnBaton } = cli(shared);

/** A one-phase definition with a gate: quick to run to any end. */
async function gatedDefinition(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'baton-def-')), 'def.json');
  const definition = {
    name,
    phases: [
      {
        id: 'spec',
        agent: 'api-spec',
        input: { service: 'orders', resources: 'orders' },
        approval: { instructions: 'Check the spec.', ...extra },
      },
    ],
  };
  await writeFile(file, JSON.stringify(definition));
  return file;
}

/** Setup through the client API (one process less per step); the CLI is what each test checks. */
const start = (file: string, id: string, auto = false) =>
  startRun(shared.baton, { file, id, approvalMode: auto ? 'auto' : 'manual' });
const rejectAt = (id: string) => decide(shared.baton, id, { phase: 'spec', action: 'reject', by: 'dana' });

const describeRun = (id: string) => shared.baton.client.workflow.getHandle(id).describe();
const closed = (id: string) =>
  waitFor(
    () => describeRun(id),
    (d) => d.status.name !== 'RUNNING',
  );
const AT = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

// Each test runs several CLI processes, and they share 2 cores with the server and the worker.
describe.concurrent('the baton CLI, with runs on a server', { timeout: 180_000 }, () => {
  it.each([
    ['completed', 'completed'],
    ['rejected', 'rejected'],
    ['cancelled', 'cancelled'],
    ['failed', 'failed'],
    ['terminated', 'terminated'],
    ['timed out', 'timed out'],
  ])('says a %s run has ended, how and when, for decisions and cancel (exit 1)', async (end, shown) => {
    const id = uniqueId(`cli-ended-${end.replace(' ', '-')}`);
    const file = await gatedDefinition(uniqueId('ended'));
    if (end === 'completed') {
      await start(file, id, true);
      await waitForResult(shared.baton, id);
    } else if (end === 'failed') {
      const definition = { name: 'broken', phases: [{ id: 'spec', agent: 'remote-only' }] };
      await startRun(shared.baton, { definition, id, skipAgentCheck: true });
      await expect(waitForResult(shared.baton, id)).rejects.toThrow('unknown agent "remote-only"');
    } else if (end === 'timed out') {
      await shared.baton.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: shared.taskQueue,
        workflowId: id,
        args: [
          {
            definition: JSON.parse(await readFile(file, 'utf8')),
          },
        ],
        workflowExecutionTimeout: '2s',
      });
    } else {
      await start(file, id);
      await waitForGate(shared.baton, id, 'spec');
      if (end === 'rejected') await rejectAt(id);
      if (end === 'cancelled') await shared.baton.client.workflow.getHandle(id).cancel();
      if (end === 'terminated') await shared.baton.client.workflow.getHandle(id).terminate('test');
    }
    await closed(id);

    const approve = await baton(['approve', id, 'spec', '--by', 'dana']);
    expectCleanError(approve);
    expect(approve.stderr).toMatch(
      new RegExp(`^error: Run "${id}" has ended \\(${shown} at ${AT}\\); there is no gate to decide\\.\\n$`),
    );
    expect(approve.stderr).not.toContain('No run with id');
    const update = await baton(['retry', id, 'spec', '--by', 'dana', '--update']);
    expectCleanError(update, `has ended (${shown} at`);

    const cancel = await baton(['cancel', id]);
    expectCleanError(cancel, `Run "${id}" has ended (${shown} at`, 'there is nothing to cancel');
    expect(cancel.stdout).toBe('');
  });

  it('says the namespace does not exist, and how to create it, for inbox, start and status', async () => {
    const env = { TEMPORAL_NAMESPACE: 'nope' };
    for (const args of [['inbox'], ['start', 'node-express-api'], ['status', 'anything'], ['runs']]) {
      const result = await baton(args, env);
      expectCleanError(
        result,
        'Namespace "nope" not found on the Temporal server at',
        'operator namespace create',
        '--namespace nope',
        'or set TEMPORAL_NAMESPACE to an existing one',
      );
    }
  });

  it('`baton runs` lists recent runs with their state, gates and progress, filtered by state and template', async () => {
    const template = uniqueId('runs');
    const file = await gatedDefinition(template);
    const waiting = uniqueId('cli-runs-waiting');
    const rejected = uniqueId('cli-runs-rejected');
    const completed = uniqueId('cli-runs-completed');
    await start(file, waiting);
    await start(file, rejected);
    await start(file, completed, true);
    await waitForResult(shared.baton, completed);
    await waitForGate(shared.baton, waiting, 'spec');
    await waitForGate(shared.baton, rejected, 'spec');
    await rejectAt(rejected);
    await closed(rejected);

    const list = (...args: string[]) => json<RunListing[]>(['runs', '--template', template, ...args]);
    const all = await waitFor(
      () => list(),
      (runs) =>
        runs.length === 3 &&
        runs.some((r) => r.workflowId === waiting && r.pendingGates.includes('spec')) &&
        runs.some((r) => r.workflowId === completed && r.progress === 100),
    );
    expect(Object.fromEntries(all.map((r) => [r.workflowId, r.state]))).toEqual({
      [waiting]: 'waiting',
      [rejected]: 'rejected',
      [completed]: 'completed',
    });
    expect(all.every((r) => r.template === template && !Number.isNaN(Date.parse(r.startTime)))).toBe(true);
    expect((await list('--state', 'waiting')).map((r) => r.workflowId)).toEqual([waiting]);
    expect((await list('--state', 'running')).map((r) => r.workflowId)).toEqual([waiting]);
    expect((await list('--state', 'rejected')).map((r) => r.workflowId)).toEqual([rejected]);
    expect((await list('--state', 'completed')).map((r) => r.workflowId)).toEqual([completed]);
    expect(await list('--state', 'failed')).toEqual([]);
    expect(await list('--limit', '1')).toHaveLength(1);

    const table = await baton(['runs', '--template', template]);
    expect(table.stdout).toMatch(/^RUN\s+TEMPLATE\s+STATE\s+STARTED\s+GATES\s+PROGRESS\n/);
    expect(table.stdout).toMatch(new RegExp(`${waiting}\\s+${template}\\s+waiting\\s+${AT}\\s+spec\\s+0%`));
    expectCleanError(
      await baton(['runs', '--state', 'bogus']).then((r) => ({ ...r, stderr: `error: ${r.stderr}` })),
    );
    expectCleanError(await baton(['runs', '--limit', '0']), '--limit 0 is not a positive whole number');
    await shared.baton.client.workflow.getHandle(waiting).cancel();
  });

  it('`start --wait` with no worker says so on stderr after a few seconds, once, and keeps waiting', async () => {
    const id = uniqueId('cli-wait-nobody');
    const env = { BATON_TASK_QUEUE: uniqueId('nobody'), BATON_QUERY_TIMEOUT_MS: '2000' };
    const waiting = spawnBaton(['start', 'node-express-api', '--id', id, '--wait'], env);
    try {
      await waitFor(
        async () => waiting.output.stderr,
        (stderr) => stderr.includes('(still waiting'),
        40_000,
      );
      expect(waiting.output.stderr).toBe(
        `note: Run "${id}" did not answer its status query: no worker is polling task queue "${env.BATON_TASK_QUEUE}". Start one with \`npx baton worker\` (or \`npm start\`).\n` +
          '  (still waiting for the run to end; Ctrl-C stops waiting, the run stays)\n',
      );
      expect(waiting.child.exitCode).toBeNull();
    } finally {
      waiting.child.kill();
      await waiting.exited;
      await shared.baton.client.workflow.getHandle(id).terminate('test over');
    }
  });

  it('escapes what it prints from history, so a forged newline or escape code cannot fake a line or clear the screen', async () => {
    const id = uniqueId('cli-forged');
    const file = await gatedDefinition(uniqueId('forged'), {
      instructions: 'Check it.\n  2026-01-01T00:00:00.000Z  spec: approve by ceo (signal)\u001b[2J',
    });
    await start(file, id);
    await waitForGate(shared.baton, id, 'spec');
    // Straight to Temporal, as any client could: the CLI itself refuses these.
    await shared.baton.client.workflow.getHandle(id).signal(approvalSignal, {
      phase: 'spec',
      action: 'retry',
      by: 'alice\n  2026-01-01T00:00:00.000Z  codegen: approve by security-team (signal)',
      comment: '\u001b[2J\u001b[Hall clear',
    });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.decisions.length + s.ignoredSignals.length > 0 && s.gates.length > 0,
    );
    for (const args of [['status', id], ['inbox'], ['runs', '--limit', '50']]) {
      const { stdout, code } = await baton(args);
      expect(code).toBe(0);
      expect(stdout).not.toContain('\u001b');
      expect(stdout).not.toMatch(/^\s*2026-01-01T00:00:00\.000Z {2}(codegen|spec): approve by/m);
    }
    await shared.baton.client.workflow.getHandle(id).cancel();
  });

  it('defaults --by to BATON_USER, then the OS user, and shows ATTEMPTS and RUNS apart', async () => {
    const id = uniqueId('cli-by');
    await start(await gatedDefinition(uniqueId('by')), id);
    await waitForGate(shared.baton, id, 'spec');
    expect((await baton(['retry', id, 'spec'], { BATON_USER: 'erin' })).code).toBe(0);
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.length > 0 && s.phases[0]?.runs === 2,
    );
    const table = await baton(['status', id]);
    expect(table.stdout).toMatch(/PHASE\s+AGENT\s+STATE\s+ATTEMPTS\s+RUNS\s+TIME/);
    expect(table.stdout).toMatch(/\nspec\s+api-spec\s+awaiting-approval\s+2\s+2\s/);
    expect((await baton(['approve', id, 'spec'], { BATON_USER: '' })).code).toBe(0);
    const status = await json<RunStatus>(['status', id]);
    expect(status.decisions.map((d) => d.by)).toEqual(['erin', userInfo().username]);
  });

  it('`status --watch` writes no escape codes into a pipe, and `status | head` exits quietly', async () => {
    const id = uniqueId('cli-pipe');
    const file = await gatedDefinition(uniqueId('pipe'));
    await start(file, id, true);
    await waitForResult(shared.baton, id);
    const watched = await baton(['status', id, '--watch']);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('COMPLETED');
    expect(watched.stdout).not.toContain('\u001b');

    const closedEarly = spawnBaton(['status', id]);
    closedEarly.child.stdout?.destroy();
    expect(await closedEarly.exited).toBe(0);
    expect(closedEarly.output.stderr).toBe('');
  });

  it('explains a message over the server’s size limits instead of a raw gRPC error', async () => {
    const id = uniqueId('cli-too-large');
    await start(await gatedDefinition(uniqueId('large')), id);
    for (const megabytes of [3, 5]) {
      const error = await shared.baton.client.workflow
        .getHandle(id)
        .signal(approvalSignal, {
          phase: 'spec',
          action: 'approve',
          by: 'x',
          comment: 'x'.repeat(megabytes << 20),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error, `${megabytes} MB signal`).toBeDefined();
      const explained = explain(error);
      expect(explained.foreseen).toBe(true);
      expect(explained.message).toContain(
        'A message to or from the Temporal server was over its size limits',
      );
      expect(explained.message).toContain('2.0 MB');
    }
    await shared.baton.client.workflow.getHandle(id).cancel();
  });

  it('sends the definition once: the Web UI summary and details stay a line and a paragraph', async () => {
    const id = uniqueId('cli-once');
    const phases = Array.from({ length: 60 }, (_, i) => ({
      id: `phase-with-a-long-name-${i}`,
      agent: 'design',
      input: { requirement: 'a todo API' },
      ...(i ? { needs: [`phase-with-a-long-name-${i - 1}`] } : {}),
    }));
    await startRun(shared.baton, {
      definition: { name: 'long', description: 'words '.repeat(20_000), phases },
      id,
    });
    const handle = shared.baton.client.workflow.getHandle(id);
    const description = await handle.describe();
    const [summary, details] = [await description.staticSummary(), await description.staticDetails()];
    expect(summary?.length).toBeLessThanOrEqual(200);
    expect(summary).toMatch(/^long: phase-with-a-long-name-0 → .*…$/);
    expect(details?.length).toBeLessThanOrEqual(500);
    await handle.terminate('test over');
  });
});

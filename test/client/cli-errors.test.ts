import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import type { InboxItem } from '../../src/client/runs';
import type { RunStatus } from '../../src/shared/status';
import {
  createTestWorker,
  queryStatus,
  testBaton,
  uniqueId,
  useWorker,
  waitFor,
  waitForGate,
} from '../helpers/env';
import { cli, expectCleanError } from './cli-helpers';

const shared = useWorker({ prefix: 'cli-errors', agents: builtinAgents() });
const { baton, json } = cli(shared);

/** Every failure the CLI reports is one `error:` line (and its indented detail), not a stack. */
async function definitionFile(yaml: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'baton-def-')), 'def.yaml');
  await writeFile(file, yaml);
  return file;
}

describe.concurrent('the baton CLI, when something is wrong', () => {
  it('refuses a run id that is taken, and says how to pick another', async () => {
    const id = uniqueId('cli-dup');
    expect((await baton(['start', 'node-express-api', '--id', id])).code).toBe(0);
    const again = await baton(['start', 'node-express-api', '--id', id]);
    expectCleanError(again);
    expect(again.stderr).toMatch(
      new RegExp(`A run with id "${id}" already exists \\(started \\S+Z, running\\); choose another --id`),
    );
    expect((await baton(['cancel', id])).code).toBe(0);
  });

  it('leaves agent names to the worker with --skip-agent-check; the run then fails at once naming the unknown one', async () => {
    const file = await definitionFile(
      'name: remote-agents\nphases:\n  - id: hello\n    agent: remote-only\n',
    );
    const checked = await baton(['start', '--file', file]);
    expectCleanError(checked);
    expect(checked.stderr).toContain('unknown agent "remote-only"');
    expect(checked.stderr).toContain('if the worker has others, pass --skip-agent-check');

    const id = uniqueId('cli-skip');
    const waited = await baton(['start', '--file', file, '--skip-agent-check', '--id', id, '--wait']);
    expectCleanError(waited);
    expect(waited.stderr).toContain(`Run "${id}" failed: Invalid pipeline definition "remote-agents"`);
    expect(waited.stderr).toContain(
      'phases[hello].agent: unknown agent "remote-only"; known agents: api-spec',
    );

    const status = await baton(['status', id]);
    expectCleanError(status);
    expect(status.stderr).toContain(`Run "${id}" failed before it started its phases`);
    expect(status.stderr).toContain('unknown agent "remote-only"');
  });

  it('says no worker polls the task queue when a run does not answer, within the query deadline', async () => {
    const env = { BATON_TASK_QUEUE: uniqueId('no-worker'), BATON_QUERY_TIMEOUT_MS: '2000' };
    const id = uniqueId('cli-no-worker');
    expect((await baton(['start', 'node-express-api', '--id', id], env)).code).toBe(0);
    // Hints name `npx baton` unless `baton` is on PATH (see hints.test.ts).
    const message = `Run "${id}" did not answer its status query: no worker is polling task queue "${env.BATON_TASK_QUEUE}". Start one with \`npx baton worker\``;

    const startedAt = Date.now();
    const status = await baton(['status', id], env);
    // The 2 s deadline answers, not the server's own 30 s hold of a query no worker takes.
    expect(Date.now() - startedAt).toBeLessThan(25_000);
    expectCleanError(status);
    expect(status.stderr).toContain(message);

    // Without BATON_TASK_QUEUE pointing at the run's queue, the hint says to set it.
    const approve = await baton(['approve', id, 'spec'], { BATON_QUERY_TIMEOUT_MS: '2000' });
    expectCleanError(approve);
    expect(approve.stderr).toContain(
      `Start one with \`BATON_TASK_QUEUE=${env.BATON_TASK_QUEUE} npx baton worker\``,
    );
    expect((await baton(['cancel', id], env)).code).toBe(0);
  });

  it('still lists a gate, from search attributes, when its run does not answer', async () => {
    const taskQueue = uniqueId('cli-gone');
    const id = uniqueId('cli-gone-run');
    const { worker, close } = await createTestWorker({ taskQueue, agents: builtinAgents() });
    const running = worker.run();
    const client = await testBaton(taskQueue);
    try {
      expect(
        (await baton(['start', 'node-express-api', '--id', id], { BATON_TASK_QUEUE: taskQueue })).code,
      ).toBe(0);
      await waitForGate(client, id, 'spec');
    } finally {
      worker.shutdown();
      await running;
      await close();
    }
    const items = await waitFor(
      () => json<InboxItem[]>(['inbox']),
      (list) => list.some((i) => i.workflowId === id),
    );
    expect(items.find((i) => i.workflowId === id)).toMatchObject({
      phase: 'spec',
      template: 'node-express-api',
      unanswered: true,
    });
    await client.client.workflow.getHandle(id).terminate('test over');
    await client.close();
  });

  it('exits 1 from `start --wait`, after the summary, when the run is rejected', async () => {
    const id = uniqueId('cli-rejected');
    const waiting = baton(['start', 'node-express-api', '--id', id, '--wait']);
    await waitForGate(shared.baton, id, 'spec');
    expect((await baton(['reject', id, 'spec', '--by', 'dana', '--comment', 'wrong resources'])).code).toBe(
      0,
    );
    const result = await waiting;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Run ${id}`);
    expect(result.stderr).toBe(
      `error: Run "${id}" ended rejected (Rejected at "spec" by dana: wrong resources). Address that, then start a new run.\n`,
    );
  });

  it('stops `status --watch` when the run is cancelled', async () => {
    const id = uniqueId('cli-watch');
    expect((await baton(['start', 'node-express-api', '--id', id])).code).toBe(0);
    await waitForGate(shared.baton, id, 'spec');
    expect((await baton(['cancel', id])).code).toBe(0);
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.state === 'cancelled',
    );
    const watched = await baton(['status', id, '--watch', '--json']);
    expect(watched.code).toBe(0);
    const last = JSON.parse(watched.stdout.trim().split('\n').at(-1)!) as RunStatus;
    expect(last.state).toBe('cancelled');
  });

  it('says where it looked for an unknown run id, and how to list runs', async () => {
    const result = await baton(['status', 'no-such-run']);
    expectCleanError(result);
    expect(result.stderr).toContain('No run with id "no-such-run" in namespace "default"');
    expect(result.stderr).toContain('`npx baton runs`');
  });

  it('`baton worker` says how to start a server when none is reachable, or that the namespace is missing', async () => {
    const unreachable = await baton(['worker'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expectCleanError(unreachable);
    expect(unreachable.stderr).toContain('Cannot reach a Temporal server at 127.0.0.1:1');
    expect(unreachable.stderr).toContain('TEMPORAL_ADDRESS');

    const missing = await baton(['worker'], { TEMPORAL_NAMESPACE: 'no-such-namespace' });
    expectCleanError(missing);
    expect(missing.stderr).toContain('Namespace "no-such-namespace" does not exist');
    expect(missing.stderr).toContain('temporal operator namespace create');
  });
});

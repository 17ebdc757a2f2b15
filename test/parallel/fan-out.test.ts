import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace';
import { decide } from '../../src/client/decide';
import { startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import type { RunSummary } from '../../src/shared/status';
import { queryStatus, useWorker, waitFor } from '../helpers/env';
import { parallelAgents } from './agents';
import { branches, parallelOf, seeded, taskWorktrees, writes } from './helpers';

const shared = useWorker({ prefix: 'fan-out', agents: parallelAgents() });

async function start(definition: DefinitionInput) {
  const { workflowId, firstRunId } = await startRun(shared.baton, {
    definition,
    agents: parallelAgents().map((a) => a.name),
  });
  return { id: workflowId, workspace: workspaceOf(shared.workspaceRoot, workflowId, firstRunId) };
}
/** Each task's [start, end] in wall-clock ms, from the agent's own output (in the phase's output). */
const spans = (summary: RunSummary) => {
  const tasks = (summary.outputs.work as { tasks: Record<string, { startedAt: number; endedAt: number }> })
    .tasks;
  return Object.fromEntries(
    Object.entries(tasks).map(([id, out]) => [id, [out.startedAt, out.endedAt] as const]),
  );
};
/** The most spans open at one moment. */
function mostAtOnce(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  return most;
}
const sleepers = (n: number, ms: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) =>
    writes(`t${i + 1}`, { [`t${i + 1}.txt`]: `${i}\n` }, { input: { sleepMs: ms }, ...extra }),
  );

describe('the fan-out of a parallel phase', () => {
  it('runs at most maxConcurrent tasks at once, and they do overlap up to it', async () => {
    const { id } = await start(seeded({ 'README.md': 'x\n' }, sleepers(5, 700), { maxConcurrent: 2 }));
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    const intervals = Object.values(spans(summary));
    expect(mostAtOnce(intervals)).toBe(2);
  });

  it('never runs two tasks that share a lock at the same time, within a run and across two runs', async () => {
    const locked = (prefix: string) =>
      seeded(
        { 'README.md': 'x\n' },
        sleepers(2, 600, { locks: ['db-schema'] }).map((t) => ({ ...t, id: `${prefix}${t.id}` })),
        { maxConcurrent: 4 },
      );
    const lock = `repo:test-${Date.now()}`;
    const withLock = (d: DefinitionInput) => {
      const phase = d.phases[1] as { parallel: { tasks: Array<{ locks: string[] }> } };
      for (const t of phase.parallel.tasks) t.locks = [lock];
      return d;
    };
    const [a, b] = await Promise.all([start(withLock(locked('a'))), start(withLock(locked('b')))]);
    const [sa, sb] = await Promise.all([
      waitForResult(shared.baton, a.id),
      waitForResult(shared.baton, b.id),
    ]);
    expect([sa.state, sb.state]).toEqual(['completed', 'completed']);
    const intervals = [...Object.values(spans(sa)), ...Object.values(spans(sb))];
    expect(intervals).toHaveLength(4);
    expect(mostAtOnce(intervals)).toBe(1);
    // The lock workflow is free again.
    const state = await shared.baton.client.workflow
      .getHandle(`baton-lock:${lock}`)
      .query<{ holder?: unknown; queue: unknown[] }>('lockState')
      .catch(() => ({ holder: undefined, queue: [] }));
    expect(state.holder ?? undefined).toBeUndefined();
    expect(state.queue).toEqual([]);
  });

  it('lets one task’s gate be approved while the others run, in any order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-release-'));
    const release = join(dir, 'go');
    const { id, workspace } = await start(
      seeded({ 'README.md': 'x\n' }, [
        writes('a', { 'a.txt': 'a\n' }, { approval: true }),
        writes('b', { 'b.txt': 'b\n' }, { approval: true }),
        writes('slow', { 'slow.txt': 's\n' }, { input: { holdUntil: release } }),
      ]),
    );
    const both = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.filter((g) => g.phase.startsWith('work.')).length === 2,
    );
    expect(both.gates.map((g) => g.phase).sort()).toEqual(['work.a', 'work.b']);
    expect(parallelOf(both).tasks.find((t) => t.id === 'slow')!.state).toBe('running');
    // b first, then a: the order does not matter, and slow keeps running meanwhile.
    await decide(shared.baton, id, { phase: 'work.b', action: 'approve', by: 'ana' }, { via: 'update' });
    const afterB = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => parallelOf(s).tasks.find((t) => t.id === 'b')!.state === 'done',
    );
    expect(afterB.gates.map((g) => g.phase)).toEqual(['work.a']);
    expect(parallelOf(afterB).tasks.find((t) => t.id === 'slow')!.state).toBe('running');
    await decide(
      shared.baton,
      id,
      { phase: 'work.a', action: 'modify', by: 'bo', changes: { files: { 'a.txt': 'A\n' } } },
      { via: 'update' },
    );
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.phase === 'work.a' && g.id === 'work.a#2'),
    );
    await decide(
      shared.baton,
      id,
      { phase: 'work.a', gate: 'work.a#2', action: 'approve', by: 'bo' },
      { via: 'update' },
    );
    await writeFile(release, '');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(workspace, 'a.txt'), 'utf8')).toBe('A\n');
    expect(summary.decisions.map((d) => [d.phase, d.action])).toEqual([
      ['work.b', 'approve'],
      ['work.a', 'modify'],
      ['work.a', 'approve'],
    ]);
  });

  it('drops a failed task with drop-task, fails the run with fail-run, and gates it with gate', async () => {
    const failing = (policy: string) =>
      seeded(
        { 'README.md': 'x\n' },
        [writes('ok', { 'ok.txt': 'ok\n' }), { id: 'bad', agent: 'fatal', input: {} }],
        {
          onTaskFailure: policy,
        },
      );
    const dropped = await start(failing('drop-task'));
    const summary = await waitForResult(shared.baton, dropped.id);
    expect(summary.state).toBe('completed');
    expect(parallelOf(summary).tasks.find((t) => t.id === 'bad')).toMatchObject({ state: 'dropped' });
    expect(parallelOf(summary).tasks.find((t) => t.id === 'bad')!.droppedBecause).toMatch(/contradictory/);

    const failed = await start(failing('fail-run'));
    const error = await waitForResult(shared.baton, failed.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const after = await queryStatus(shared.baton, failed.id);
    expect(after.state).toBe('failed');
    expect(after.reason).toMatch(/task "bad" failed/);
    expect(await taskWorktrees(failed.workspace)).toEqual([]);

    const gated = await start(failing('gate'));
    const status = await waitFor(
      () => queryStatus(shared.baton, gated.id),
      (s) => s.gates.some((g) => g.kind === 'task-failed'),
    );
    expect(status.gates.find((g) => g.kind === 'task-failed')!.phase).toBe('work.bad');
    await decide(shared.baton, gated.id, { phase: 'work.bad', action: 'skip', by: 'ana' }, { via: 'update' });
    expect((await waitForResult(shared.baton, gated.id)).state).toBe('completed');
  });

  it('takes its tasks from an earlier phase’s output, and refuses a bad list naming every problem', async () => {
    const planned = (tasks: unknown) =>
      ({
        name: 'planned',
        phases: [
          { id: 'plan', agent: 'echo', input: { tasks } },
          { id: 'work', needs: ['plan'], parallel: { tasks: '${phases.plan.output.echoed.tasks}' } },
        ],
      }) as DefinitionInput;
    const good = await start(
      planned([writes('x', { 'x.txt': 'x\n' }), writes('y', { 'y.txt': 'y\n' }, { needs: ['x'] })]),
    );
    const summary = await waitForResult(shared.baton, good.id);
    expect(summary.state).toBe('completed');
    expect(parallelOf(summary).tasks.map((t) => t.id)).toEqual(['x', 'y']);

    const bad = await start(
      planned([
        { id: 'x', agent: 'nope', input: {} },
        { id: 'x', agent: 'echo', needs: ['ghost'] },
      ]),
    );
    await waitForResult(shared.baton, bad.id).catch(() => undefined);
    const failed = await queryStatus(shared.baton, bad.id);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toMatch(/duplicate task id "x"/);
    expect(failed.reason).toMatch(/needs "ghost"/);
  });

  it('cancelled mid-fan-out: no child left running, worktrees gone, task branches deleted, locks free', async () => {
    const lock = `cancel-${Date.now()}`;
    const { id, workspace } = await start(
      seeded({ 'README.md': 'x\n' }, [
        writes('a', { 'a.txt': 'a\n' }, { input: { holdUntil: '/nonexistent/never' }, locks: [lock] }),
        writes('b', { 'b.txt': 'b\n' }, { input: { holdUntil: '/nonexistent/never' } }),
      ]),
    );
    const running = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) =>
        (s.phases.find((p) => p.id === 'work')?.parallel?.tasks ?? []).filter((t) => t.state === 'running')
          .length === 2,
    );
    const children = parallelOf(running).tasks.map((t) => t.workflowId!);
    await shared.baton.client.workflow.getHandle(id).cancel();
    await waitForResult(shared.baton, id).catch(() => undefined);
    for (const child of children) {
      const described = await shared.baton.client.workflow.getHandle(child).describe();
      expect(described.status.name).not.toBe('RUNNING');
    }
    expect(await taskWorktrees(workspace)).toEqual([]);
    expect(branches(workspace).filter((b) => b.split('/').length > 2)).toEqual([]);
    const state = await shared.baton.client.workflow
      .getHandle(`baton-lock:${lock}`)
      .query<{ holder?: unknown; queue: unknown[] }>('lockState')
      .catch(() => ({ holder: undefined, queue: [] }));
    expect(state.holder ?? undefined).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { BatonConfig } from '../../src/config';
import { batchApprove, type BatchApproveInput, type BatchItem } from '../../src/client/batch-approve';
import { renderBatch } from '../../src/client/cli/decision-commands';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput, PhaseInput } from '../../src/shared/definition';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { cli } from './cli-helpers';

const config: BatonConfig = {
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles: { lead: ['alice', 'bob'] },
  security: { signedDecisions: false, decisionKeys: {} },
  notify: {},
};
const shared = useWorker({ prefix: 'batch', config });
const { baton } = cli(shared);
const agents = testAgents().map((a) => a.name);

/** A template name of its own per test: batches filter on it, so tests never see each other's gates. */
const template = () => uniqueId('batch-tpl');

/** Starts a run of `name` and waits until the gate of `gated` is open. */
async function start(name: string, phases: DefinitionInput['phases'], gated: string, extra = {}) {
  const { workflowId } = await startRun(shared.baton, {
    agents,
    definition: definition(phases, { name, ...extra }),
  });
  await waitForGate(shared.baton, workflowId, gated);
  return workflowId;
}

const gatedSpec = (
  input: Record<string, unknown>,
  approval: PhaseInput['approval'] = true,
  id = 'spec',
): DefinitionInput['phases'] => [{ id, agent: 'echo', input, approval }];

/** A dry run, polled until visibility lists `count` matching gates (a gate is listed a moment after it opens). */
const listed = (
  input: Omit<BatchApproveInput, 'by'>,
  count: number,
  leftForHuman: Record<string, number> = {},
) =>
  waitFor(
    () => batchApprove(shared.baton, { by: 'alice', ...input, dryRun: true }),
    (result) =>
      result.items.length === count &&
      Object.entries(leftForHuman).every(([kind, n]) => result.leftForHuman[kind] === n),
  );

const ids = (items: readonly BatchItem[]) =>
  items.map((i) => `${i.workflowId} ${i.gate} ${i.outcome}`).sort();

describe('baton approve --all (the CLI as a process)', () => {
  it('--dry-run changes nothing; the real run approves every matching gate across runs', async () => {
    const name = template();
    const runs = await Promise.all([1, 2, 3].map((n) => start(name, gatedSpec({ n }), 'spec')));
    await listed({ template: name }, 3);

    const dry = await baton(['approve', '--all', '--template', name, '--dry-run', '--by', 'alice']);
    expect(dry.code).toBe(0);
    for (const id of runs) expect(dry.stdout).toContain(`would approve ${id} spec#1\n`);
    expect(dry.stdout).toContain('3 gates would be approved (dry run: nothing was sent)');
    for (const id of runs) {
      const status = await queryStatus(shared.baton, id);
      expect(status.gates.map((g) => g.id)).toEqual(['spec#1']);
      expect(status.decisions).toEqual([]);
    }
    const digests = await Promise.all(
      runs.map(async (id) => (await queryStatus(shared.baton, id)).gates[0]!.digest),
    );

    const real = await baton([
      'approve',
      '--all',
      '--template',
      name,
      '--by',
      'alice',
      '--comment',
      'batch ok',
    ]);
    expect(real.stderr).toBe('');
    expect(real.code).toBe(0);
    for (const id of runs) expect(real.stdout).toContain(`approved ${id} spec#1\n`);
    expect(real.stdout).toContain('3 approved, 0 refused');
    for (const [i, id] of runs.entries()) {
      const summary = await waitForResult(shared.baton, id);
      expect(summary.state).toBe('completed');
      // Sent with the gate and the digest the batch read: the record proves what was approved.
      expect(summary.decisions).toEqual([
        expect.objectContaining({
          gate: 'spec#1',
          action: 'approve',
          by: 'alice',
          comment: 'batch ok',
          digest: digests[i],
          via: 'update',
        }),
      ]);
    }
    const after = await baton(['approve', '--all', '--template', name, '--by', 'alice', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ items: [], counts: { approved: 0 } });
  });

  it.each([
    [
      ['approve', '--all', 'some-run'],
      /approve --all approves matching gates across runs, so it takes no run id \(got "some-run"\)/,
    ],
    [['approve'], /approve needs a run id and a phase \(approve <id> <phase>\), or --all/],
    [['approve', 'some-run'], /approve some-run needs the phase whose gate is open/],
    [['approve', 'some-run', 'spec', '--where', 'true'], /--where only goes with --all/],
    [
      ['approve', '--all', '--where', 'gate.ageSeconds => 3600'],
      /--where is not a valid CEL expression: Unexpected character: = at column 17/,
    ],
    [
      ['approve', '--all', '--where', 'phases.review.output.errors == 0'],
      /Unknown variable: phases at column 1 .*can read run, gate, output/,
    ],
    [['approve', '--all', '--older-than', 'an hour'], /--older-than "an hour" is not a duration/],
    [['approve', '--all', '--by', 'baton:policy'], /--by "baton:policy" is reserved/],
  ])('%j is refused before anything is sent', async (args, message) => {
    // An unreachable server: each of these is refused before connecting.
    const result = await baton(args, { TEMPORAL_ADDRESS: '127.0.0.1:1', BATON_USER: 'alice' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});

describe('batch approve filters', () => {
  it('--phase, --where, --older-than, and budget gates left for a human', async () => {
    const name = template();
    const clean = await start(name, gatedSpec({ errors: 0 }), 'spec');
    const dirty = await start(name, gatedSpec({ errors: 2 }), 'spec');
    const review = await start(name, gatedSpec({ errors: 0 }, true, 'review'), 'review');
    const budget = await start(
      name,
      [
        { id: 'a', agent: 'spend', input: { tokens: 80 } },
        { id: 'b', agent: 'spend', needs: ['a'], input: { tokens: 50 } },
        { id: 'c', agent: 'spend', needs: ['b'], input: { tokens: 10 } },
      ],
      'c',
      { budget: { tokens: 100 } },
    );
    const all = await listed({ template: name }, 3, { budget: 1 });
    expect(ids(all.items)).toEqual(
      ids(
        [clean, dirty, review].map(
          (workflowId) =>
            ({
              workflowId,
              gate: workflowId === review ? 'review#1' : 'spec#1',
              outcome: 'would-approve',
            }),
        ),
      ),
    );
    // The budget gate matched the filters but is not an approval gate: counted, left alone.
    expect(all.leftForHuman).toEqual({ budget: 1 });
    expect(renderBatch(all)).toContain(
      '1 other gate left for a human (1 budget): --all approves only approval gates',
    );

    const byPhase = await batchApprove(shared.baton, {
      template: name,
      phase: 'spec',
      by: 'alice',
      dryRun: true,
    });
    expect(byPhase.items.map((i) => i.workflowId).sort()).toEqual([clean, dirty].sort());
    expect(byPhase.leftForHuman).toEqual({});

    const where = (expr: string) =>
      batchApprove(shared.baton, { template: name, where: expr, by: 'alice', dryRun: true });
    expect((await where('output.echoed.errors == 0')).items.map((i) => i.workflowId).sort()).toEqual(
      [clean, review].sort(),
    );
    expect(
      (await where(`run.template == "${name}" && gate.phase == "review" && gate.ageSeconds >= 0`)).items.map(
        (i) => i.workflowId,
      ),
    ).toEqual([review]);
    // An expression that cannot decide for a gate skips it, with the reason; nothing is approved.
    const missing = await where('output.echoed.warnings == 0');
    expect(missing.items.map((i) => i.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(missing.items[0]!.reason).toMatch(
      /the where expression could not decide: No such key: warnings .*has\(\)/,
    );

    expect(
      (await batchApprove(shared.baton, { template: name, olderThan: '1h', by: 'alice', dryRun: true }))
        .items,
    ).toEqual([]);
    const openedMs = Math.max(...all.items.map((i) => Date.parse(i.openedAt!)));
    await waitFor(
      async () => Date.now(),
      (now) => now - openedMs >= 1500,
    );
    expect(
      (await batchApprove(shared.baton, { template: name, olderThan: '1s', by: 'alice', dryRun: true }))
        .items,
    ).toHaveLength(3);

    // For real, with two filters: only the clean spec gate is approved.
    const real = await batchApprove(shared.baton, {
      template: name,
      phase: 'spec',
      where: 'output.echoed.errors == 0',
      by: 'alice',
    });
    expect(ids(real.items)).toEqual([`${clean} spec#1 approved`]);
    expect((await waitForResult(shared.baton, clean)).state).toBe('completed');
    for (const id of [dirty, review, budget])
      expect((await queryStatus(shared.baton, id)).gates).toHaveLength(1);
  });
});

describe("batch approve and the run's own rules", () => {
  it('with minApprovals 2 one batch approval counts as one; a non-approver is refused', async () => {
    const name = template();
    const id = await start(name, gatedSpec({}, { approvers: { roles: ['lead'] }, minApprovals: 2 }), 'spec');
    await listed({ template: name }, 1);

    const mallory = await batchApprove(shared.baton, { template: name, by: 'mallory' });
    expect(mallory.items[0]).toMatchObject({
      outcome: 'refused',
      reason: expect.stringContaining('not an approver: mallory may not decide gate spec#1'),
    });
    expect(renderBatch(mallory)).toMatch(new RegExp(`refused ${id} spec#1: not an approver`));

    const first = await batchApprove(shared.baton, { template: name, by: 'alice' });
    expect(first.items[0]).toMatchObject({ outcome: 'approved', approvals: { count: 1, needed: 2 } });
    expect(renderBatch(first)).toContain(`approved ${id} spec#1 (1 of 2 approvals: the gate waits for more)`);
    expect((await queryStatus(shared.baton, id)).gates[0]!.approvals).toEqual([
      expect.objectContaining({ by: 'alice', role: 'lead' }),
    ]);

    const second = await batchApprove(shared.baton, { template: name, by: 'bob' });
    expect(second.items[0]).toMatchObject({ outcome: 'approved', approvals: { count: 2, needed: 2 } });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.decisions.at(-1)).toMatchObject({ by: 'bob', approvedBy: ['alice', 'bob'] });
  });

  it('never approves a gate that changed between listing and sending', async () => {
    const name = template();
    const id = await start(name, gatedSpec({ text: 'v1' }), 'spec');
    await listed({ template: name }, 1);
    let seen: readonly BatchItem[] = [];
    const result = await batchApprove(
      shared.baton,
      { template: name, by: 'alice' },
      {
        // Between listing and sending, someone modifies the run: the phase re-runs and gates again.
        async confirm(gates) {
          seen = gates;
          await decide(
            shared.baton,
            id,
            { phase: 'spec', action: 'modify', by: 'bob', changes: { text: 'v2' } },
            { via: 'update' },
          );
          await waitFor(
            () => queryStatus(shared.baton, id),
            (s) => s.gates[0]?.id === 'spec#2',
          );
          return true;
        },
      },
    );
    expect(seen).toEqual([
      expect.objectContaining({ gate: 'spec#1', digest: expect.stringMatching(/^[0-9a-f]{64}$/) as string }),
    ]);
    expect(result.items).toEqual([
      expect.objectContaining({
        gate: 'spec#1',
        outcome: 'refused',
        reason: expect.stringContaining('gate spec#1 has closed; the open gate of spec is spec#2'),
      }),
    ]);
    const status = await queryStatus(shared.baton, id);
    expect(status.gates.map((g) => g.id)).toEqual(['spec#2']);
    expect(status.gates[0]!.digest).not.toBe(seen[0]!.digest);
    expect(status.decisions.map((d) => d.action)).toEqual(['modify']);
  });
});

import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/activities/agents/agent';
import { renderInbox, renderStatus } from '../../src/client/cli/format';
import { DefinitionError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import type { DecisionAction } from '../../src/shared/messages';
import type { RunSummary } from '../../src/shared/status';
import { validateDefinition } from '../../src/shared/validate';
import { echoAgent } from '../helpers/agents';
import { cli } from '../client/cli-helpers';
import { definition, queryStatus, useWorker, waitFor, waitForGate } from '../helpers/env';

/** Fails (for good, at once) while its input says `fail: true`. */
const shakyAgent = defineAgent({
  name: 'shaky',
  description: 'fails while input.fail is true',
  input: z.object({ fail: z.boolean().default(false), note: z.string().optional() }),
  output: z.object({ note: z.string() }),
  async run({ fail, note }) {
    if (fail) throw ApplicationFailure.nonRetryable('asked to fail (input.fail is true)', 'Test.Shaky');
    return { note: note ?? 'ok' };
  },
});

/** Fails the first run of each phase of each run, then succeeds. */
const seen = new Set<string>();
const onceAgent = defineAgent({
  name: 'once',
  description: 'fails its first run, then succeeds',
  input: z.object({}).passthrough(),
  output: z.object({ second: z.boolean() }),
  async run(_input, ctx) {
    const key = `${ctx.workflowId}/${ctx.phase}`;
    if (!seen.has(key)) {
      seen.add(key);
      throw ApplicationFailure.nonRetryable('the first run fails', 'Test.Once');
    }
    return { second: true };
  },
});

const agentList = [echoAgent, shakyAgent, onceAgent];
const agents = agentList.map((a) => a.name);
const shared = useWorker({ prefix: 'conditions', agents: agentList });
const once = { maxAttempts: 1 };

async function run(def: DefinitionInput, params: Record<string, unknown> = {}, approvalMode?: 'auto') {
  const { workflowId } = await startRun(shared.baton, {
    agents,
    definition: def,
    params,
    ...(approvalMode ? { approvalMode } : {}),
  });
  return workflowId;
}

const phaseOf = (summary: { phases: RunSummary['phases'] }, id: string) =>
  summary.phases.find((p) => p.id === id);

describe('when', () => {
  const deploy = definition(
    [
      { id: 'build', agent: 'echo', input: { built: true } },
      { id: 'deploy', agent: 'echo', needs: ['build'], when: 'params.deploy == true', input: { to: 'prod' } },
      { id: 'report', agent: 'echo', needs: ['deploy'], input: { done: 'yes' } },
    ],
    { params: { deploy: { type: 'boolean', default: false } } },
  );

  it('false: the phase is skipped with the reason, and the phases after it still run', async () => {
    const id = await run(deploy);
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'deploy')).toMatchObject({
      state: 'skipped',
      runs: 0,
      skipReason: 'when "params.deploy == true" was false (params.deploy=false)',
    });
    expect(phaseOf(summary, 'report')).toMatchObject({ state: 'done', runs: 1 });
    expect(summary.progress).toMatchObject({ done: 3, total: 3 });
    const text = renderStatus(id, summary);
    expect(text).toMatch(/deploy\s+echo\s+skipped/);
    expect(text).toContain('skipped: when "params.deploy == true" was false');
  });

  it('true: the phase runs', async () => {
    const id = await run(deploy, { deploy: true });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'deploy')).toMatchObject({ state: 'done', runs: 1 });
    expect(phaseOf(summary, 'deploy')?.skipReason).toBeUndefined();
    expect(summary.outputs.deploy).toEqual({ echoed: { to: 'prod' }, phase: 'deploy' });
  });

  it('reads an upstream output and state', async () => {
    const id = await run(
      definition([
        { id: 'check', agent: 'echo', input: { errors: 0 } },
        {
          id: 'ship',
          agent: 'echo',
          needs: ['check'],
          when: 'phases.check.state == "done" && phases.check.output.echoed.errors == 0',
        },
        { id: 'fix', agent: 'echo', needs: ['check'], when: 'phases.check.output.echoed.errors > 0' },
      ]),
    );
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'ship')).toMatchObject({ state: 'done' });
    expect(phaseOf(summary, 'fix')).toMatchObject({
      state: 'skipped',
      skipReason: 'when "phases.check.output.echoed.errors > 0" was false (phases.check.output.echoed.errors=0)',
    });
  });

  it('an evaluation error fails the phase and the run, with the error', async () => {
    const id = await run(
      definition([
        { id: 'check', agent: 'echo', input: { errors: 0 } },
        { id: 'ship', agent: 'echo', needs: ['check'], when: 'phases.check.output.echoed.warnings == 0' },
      ]),
    );
    const failure = await shared.baton.client.workflow
      .getHandle(id)
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.message).toContain('Phase "ship" failed: its when "phases.check.output.echoed.warnings == 0"');
    const summary = cause.details?.[0] as RunSummary;
    expect(phaseOf(summary, 'ship')).toMatchObject({
      state: 'failed',
      runs: 0,
      error: { type: 'Baton.ConditionFailed' },
    });
    expect(phaseOf(summary, 'ship')?.error?.message).toContain('has()');
  });
});

describe('onFailure: <phase>', () => {
  const withFallback = (fail: boolean) =>
    definition([
      { id: 'main', agent: 'shaky', input: { fail, note: 'from main' }, retry: once, onFailure: 'backup' },
      { id: 'backup', agent: 'shaky', input: { note: 'from backup' } },
      { id: 'after', agent: 'echo', needs: ['main'], input: { got: '${phases.main.output.note}' } },
    ]);

  it('runs the fallback instead of failing the run; dependents read its output', async () => {
    const id = await run(withFallback(true));
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({
      state: 'failed-handled',
      handledBy: 'backup',
      error: { type: 'Test.Shaky', message: 'asked to fail (input.fail is true)' },
    });
    expect(phaseOf(summary, 'backup')).toMatchObject({ state: 'done', runs: 1 });
    expect(summary.outputs.after).toEqual({ echoed: { got: 'from backup' }, phase: 'after' });
    expect(summary.progress).toMatchObject({ done: 3, total: 3 });
    const text = renderStatus(id, summary);
    expect(text).toMatch(/main\s+shaky\s+failed-handled/);
    expect(text).toContain('handled by backup');
  });

  it('a fallback that is not needed is skipped with the reason', async () => {
    const id = await run(withFallback(false));
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({ state: 'done' });
    expect(phaseOf(summary, 'backup')).toMatchObject({
      state: 'skipped',
      runs: 0,
      skipReason: 'fallback not needed: main succeeded',
    });
    expect(summary.outputs.after).toEqual({ echoed: { got: 'from main' }, phase: 'after' });
  });
});

describe('onFailure: gate', () => {
  const gated = (agent: 'once' | 'shaky', input: Record<string, unknown> = {}) =>
    definition([
      { id: 'main', agent, input, retry: once, onFailure: 'gate' },
      { id: 'after', agent: 'echo', needs: ['main'], input: { ran: true } },
    ]);
  const send = (id: string, action: DecisionAction, extra: object = {}) =>
    decide(shared.baton, id, { phase: 'main', action, by: 'alice', ...extra }, { via: 'update' });
  const refused = (id: string, action: DecisionAction, extra: object = {}) =>
    send(id, action, extra).then(
      () => 'accepted',
      (e: unknown) => (e as Error).message,
    );

  async function openFailureGate(def: DefinitionInput, approvalMode?: 'auto') {
    const id = await run(def, {}, approvalMode);
    const status = await waitForGate(shared.baton, id, 'main');
    const gate = status.gates[0]!;
    expect(gate).toMatchObject({ kind: 'failure', phase: 'main', id: 'main#1' });
    expect(status.phases[0]).toMatchObject({ state: 'failed', runs: 1 });
    expect(status.state).toBe('waiting');
    return { id, status, gate };
  }

  it('shows the error; approve is refused naming the actions; retry runs it again (auto mode does not decide)', async () => {
    const { id, status, gate } = await openFailureGate(gated('once'), 'auto');
    expect(gate).toMatchObject({
      reason: 'Phase "main" failed after 1 attempt(s): the first run fails',
      error: { type: 'Test.Once', message: 'the first run fails' },
      input: {},
    });
    expect(await refused(id, 'approve')).toContain('a failure gate takes retry, modify, skip, reject, not approve');
    const text = renderStatus(id, status);
    expect(text).toContain('Phase failed: main (main): the first run fails');
    expect(text).toContain(`retry|skip|reject ${id} main`);
    expect(renderInbox([{ workflowId: id, phase: 'main', kind: 'failure', openedAt: gate.openedAt }] as never)).toContain(
      `retry|skip|reject ${id} main`,
    );
    await send(id, 'retry');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({ state: 'done', runs: 2 });
    expect(summary.outputs.main).toEqual({ second: true });
    expect(phaseOf(summary, 'after')).toMatchObject({ state: 'done' });
    expect(summary.decisions.map((d) => [d.action, d.gate])).toEqual([['retry', 'main#1']]);
  });

  it('skip: the phase is skipped and the run goes on', async () => {
    const { id } = await openFailureGate(gated('shaky', { fail: true }));
    await send(id, 'skip', { comment: 'not needed today' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({
      state: 'skipped',
      skipReason: 'skipped at its failure gate by alice: not needed today',
    });
    expect(phaseOf(summary, 'after')).toMatchObject({ state: 'done' });
  });

  it('modify: the changes (checked against the agent) are merged into the input and the phase runs again', async () => {
    const { id } = await openFailureGate(gated('shaky', { fail: true, note: 'fixed' }));
    expect(await refused(id, 'modify', { changes: { colour: 'red' } })).toContain(
      'modify changes "colour", which agent "shaky" does not take',
    );
    expect(await refused(id, 'modify', { changes: { fail: 'no' } })).toContain('changes.fail');
    await send(id, 'modify', { changes: { fail: false } });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({ state: 'done', runs: 2 });
    expect(summary.outputs.main).toEqual({ note: 'fixed' });
  });

  it('a run that fails again opens the gate again; reject ends the run rejected', async () => {
    const { id } = await openFailureGate(gated('shaky', { fail: true }));
    await send(id, 'retry');
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.id === 'main#2'),
    );
    await send(id, 'reject', { comment: 'give up' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('rejected');
    expect(summary.reason).toBe('Rejected at "main" by alice: give up');
    expect(phaseOf(summary, 'main')).toMatchObject({ state: 'rejected', runs: 2 });
    expect(phaseOf(summary, 'after')).toMatchObject({ state: 'cancelled', runs: 0 });
  });
});

describe('the failure gate from the CLI', () => {
  const { baton } = cli(shared);

  it('inbox and status show it; approve is refused; modify --set runs the phase again', async () => {
    const id = await run(
      definition([{ id: 'main', agent: 'shaky', input: { fail: true }, retry: once, onFailure: 'gate' }]),
    );
    await waitForGate(shared.baton, id, 'main');
    const inbox = await baton(['inbox']);
    expect(inbox.stdout).toMatch(new RegExp(`${id}\\s+test-pipeline\\s+main\\s+failure`));
    expect(inbox.stdout).toContain(`baton retry|skip|reject ${id} main`);
    const status = await baton(['status', id]);
    expect(status.stdout).toContain('Phase failed: main (main): asked to fail (input.fail is true) [Test.Shaky]');
    expect(status.stdout).toContain('Input: {"fail":true}');
    const approve = await baton(['approve', id, 'main', '--by', 'alice', '--update']);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain('a failure gate takes retry, modify, skip, reject, not approve');
    const modify = await baton(['modify', id, 'main', '--set', 'fail=false', '--by', 'alice']);
    expect(modify.code).toBe(0);
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(phaseOf(summary, 'main')).toMatchObject({ state: 'done', runs: 2 });
  });
});

describe('bad definitions', () => {
  const problems = (def: DefinitionInput, params: Record<string, unknown> = {}) => {
    const result = validateDefinition(def, params, { agents });
    return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('a when that does not parse, with line and column', () => {
    const x = { params: { x: { type: 'number' as const, default: 1 } } };
    expect(problems(definition([{ id: 'a', agent: 'echo', when: 'params.x == ' }], x))).toEqual([
      'phases[a].when: Unexpected token: EOF at column 13 (after "params.x == ")',
    ]);
    expect(problems(definition([{ id: 'a', agent: 'echo', when: 'params.x == 1 &&\n  params.x >' }], x))).toEqual([
      expect.stringMatching(/^phases\[a\]\.when: Unexpected token: EOF at line 2, column 13/),
    ]);
  });

  it('a when that reads an unknown variable or an undeclared param', () => {
    expect(problems(definition([{ id: 'a', agent: 'echo', when: 'output.ok' }]))).toEqual([
      expect.stringMatching(/^phases\[a\]\.when: .*output.*the expression can read params, phases/),
    ]);
    expect(problems(definition([{ id: 'a', agent: 'echo', when: 'params.deploy' }]))).toEqual([
      'phases[a].when: reads params.deploy, which the definition does not declare; declare it under params (declared: none)',
    ]);
  });

  it('a when reading a phase that is not among its needs names the fix', () => {
    expect(
      problems(
        definition([
          { id: 'a', agent: 'echo' },
          { id: 'b', agent: 'echo', needs: [], when: 'phases.a.output.ok == true' },
          { id: 'c', agent: 'echo', when: 'phases.zz.state == "done"' },
        ]),
      ),
    ).toEqual([
      'phases[b].when: reads phases.a, which it does not need, so it may not have run yet; add "a" to needs',
      'phases[c].when: reads phases.zz, which is not a phase of this definition; phases are: a, b, c',
    ]);
    // Through another phase is enough.
    expect(
      problems(
        definition([
          { id: 'a', agent: 'echo' },
          { id: 'b', agent: 'echo', needs: ['a'] },
          { id: 'c', agent: 'echo', needs: ['b'], when: 'phases.a.output.ok == true' },
        ]),
      ),
    ).toEqual([]);
  });

  it('an unknown fallback, a self fallback, a fallback it needs, a shared fallback, a cycle', () => {
    expect(problems(definition([{ id: 'a', agent: 'echo', onFailure: 'nope' }]))).toEqual([
      'phases[a].onFailure: onFailure "nope" is not a phase of this definition; phases are: a (or write onFailure: gate)',
    ]);
    expect(problems(definition([{ id: 'a', agent: 'echo', onFailure: 'a' }]))).toEqual([
      'phases[a].onFailure: phase "a" cannot be its own fallback; name another phase, or write onFailure: gate to decide at a failure gate',
    ]);
    expect(
      problems(
        definition([
          { id: 'prep', agent: 'echo' },
          { id: 'a', agent: 'echo', needs: ['prep'], onFailure: 'prep' },
        ]),
      ),
    ).toEqual([
      'phases[a].onFailure: "prep" runs before "a" (it is in its needs, directly or through others), so it cannot be its fallback; remove "prep" from the needs of "a" or pick another phase',
    ]);
    expect(
      problems(
        definition([
          { id: 'a', agent: 'echo', onFailure: 'fb' },
          { id: 'b', agent: 'echo', onFailure: 'fb' },
          { id: 'fb', agent: 'echo' },
        ]),
      ),
    ).toEqual([
      'phases[b].onFailure: "fb" is already the fallback of "a"; a fallback covers one phase: define another fallback phase for "b"',
    ]);
    // after needs a, so it waits for a's fallback; the fallback needs after: neither can start.
    expect(
      problems(
        definition([
          { id: 'a', agent: 'echo', onFailure: 'fb' },
          { id: 'after', agent: 'echo', needs: ['a'] },
          { id: 'fb', agent: 'echo', needs: ['after'] },
        ]),
      ),
    ).toEqual([expect.stringMatching(/^phases\[a\]\.onFailure: the fallback "fb" makes a cycle: .*remove the need/)]);
  });

  it('the client refuses a bad definition before starting it', async () => {
    const error = await startRun(shared.baton, {
      agents,
      definition: definition([{ id: 'a', agent: 'echo', onFailure: 'a', when: 'phases.a.state == "done"' }]),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toContain('phases[a].onFailure: phase "a" cannot be its own fallback');
    expect((error as Error).message).toContain('phases[a].when: reads phases.a, its own phase');
  });
});

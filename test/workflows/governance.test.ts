import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace/paths';
import type { BatonConfig } from '../../src/config';
import { renderStatus } from '../../src/client/cli/format';
import { DecisionRejectedError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { AuditRecordSchema, type AuditRecord } from '../../src/shared/audit-record';
import { gateDigest } from '../../src/shared/governance';
import { approvalSignal } from '../../src/shared/messages';
import { testAgents } from '../helpers/agents';
import { shortFormSink } from '../../src/config/notifications';
import { startWebhook } from '../helpers/webhook';
import { definition, queryStatus, useWorker, waitFor, waitForGate } from '../helpers/env';

const hook = await startWebhook();
const notifications = hook.received;
afterAll(() => hook.close());

const governanceConfig = (webhook?: string): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles: { lead: ['alice', 'bob'], director: ['carol'] },
  security: { signedDecisions: false, decisionKeys: {} },
  notify: webhook ? { webhook } : {},
  // A config built in code lists its sinks; the short form is expanded when a file is loaded.
  notifications: webhook ? [shortFormSink(webhook)] : [],
});

const shared = useWorker({
  prefix: 'governance',
  config: governanceConfig(hook.url),
});
const agents = testAgents().map((a) => a.name);

async function start(approval: Record<string, unknown>, extra: { approvalMode?: 'auto' } = {}) {
  const { workflowId } = await startRun(shared.baton, {
    agents,
    definition: definition([{ id: 'spec', agent: 'echo', input: { text: 'v1' }, approval }]),
    ...extra,
  });
  const status = await waitForGate(shared.baton, workflowId, 'spec');
  return { id: workflowId, gate: status.gates[0]!, status };
}

/** The audit records the run wrote into its history (the `recordAudit` markers' results). */
async function auditRecords(id: string): Promise<AuditRecord[]> {
  const { client } = shared.baton;
  const history = await client.workflow.getHandle(id).fetchHistory();
  const converter = client.options.loadedDataConverter;
  const records: AuditRecord[] = [];
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = converter.payloadConverter.fromPayload(marker.details!.data!.payloads![0]!);
    if ((data as { activity_type?: string }).activity_type !== 'recordAudit') continue;
    const result = converter.payloadConverter.fromPayload(marker.details!.result!.payloads![0]!);
    records.push(...AuditRecordSchema.array().parse(result));
  }
  return records;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the decision was taken');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(DecisionRejectedError);
      return (error as Error).message;
    },
  );

describe('who may decide a gate', () => {
  it('refuses (update) and ignores (signal) someone who is not an approver; the gate stays open', async () => {
    const { id, gate, status } = await start({ approvers: { roles: ['lead'], users: ['dave'] } });
    expect(gate).toMatchObject({
      id: 'spec#1',
      approvers: { roles: ['lead'], users: ['dave'] },
      approverNames: ['alice', 'bob', 'dave'],
    });
    // The digest is the documented one: anyone can recompute it from what the gate shows.
    expect(gate.digest).toBe(
      gateDigest({
        gate: 'spec#1',
        kind: 'approval',
        shows: { output: status.phases[0]!.output },
        artifacts: status.phases[0]!.artifacts ?? [],
      }),
    );

    const update = decide(
      shared.baton,
      id,
      { phase: 'spec', action: 'approve', by: 'mallory' },
      { via: 'update' },
    );
    expect(await refusal(update)).toContain(
      'not an approver: mallory may not decide gate spec#1; it takes decisions from roles lead; users dave (alice, bob, dave)',
    );
    await shared.baton.client.workflow
      .getHandle(id)
      .signal(approvalSignal, { phase: 'spec', action: 'approve', by: 'carol' });
    const ignored = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 1,
    );
    expect(ignored.ignoredSignals[0]!.reason).toContain('not an approver: carol may not decide gate spec#1');
    expect(ignored.gates.map((g) => g.id)).toEqual(['spec#1']);

    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'bob' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([
      expect.objectContaining({ by: 'bob', role: 'lead', action: 'approve', gate: 'spec#1' }),
    ]);
    const records = await auditRecords(id);
    expect(records.map((r) => r.type)).toEqual(['governance', 'gate-opened', 'ignored', 'decision']);
    expect(records[1]).toMatchObject({ digest: gate.digest, approvers: { roles: ['lead'] } });
    expect(records[2]).toMatchObject({
      by: 'carol',
      via: 'signal',
      reason: expect.stringContaining('not an approver'),
    });
    expect(records[3]).toMatchObject({ by: 'bob', role: 'lead', digest: gate.digest, signature: 'off' });
  });

  it('the two-person rule: two different approvers must approve; skip cannot go around it', async () => {
    const { id } = await start({ approvers: { users: ['alice', 'bob', 'carol'] }, minApprovals: 2 });
    const first = await decide(
      shared.baton,
      id,
      { phase: 'spec', action: 'approve', by: 'alice' },
      { via: 'update' },
    );
    expect(first).toMatchObject({ accepted: true, approvals: { count: 1, needed: 2 } });
    const waiting = await queryStatus(shared.baton, id);
    expect(waiting.gates[0]).toMatchObject({
      minApprovals: 2,
      approvals: [expect.objectContaining({ by: 'alice' })],
    });

    const shown = renderStatus(id, waiting);
    expect(shown).toContain('Approvals: 1 of 2 (alice): different people must approve');
    expect(shown).toContain('Approvers: alice, bob, carol');
    expect(shown).toContain(`Digest: ${waiting.gates[0]!.digest}`);

    const again = decide(
      shared.baton,
      id,
      { phase: 'spec', action: 'approve', by: 'alice' },
      { via: 'update' },
    );
    expect(await refusal(again)).toContain(
      'alice has already approved gate spec#1; it needs 1 more approval(s)',
    );
    const skip = decide(shared.baton, id, { phase: 'spec', action: 'skip', by: 'bob' }, { via: 'update' });
    expect(await refusal(skip)).toContain('skip would go around them');
    expect((await queryStatus(shared.baton, id)).state).toBe('waiting');

    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'bob' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([expect.objectContaining({ by: 'bob', approvedBy: ['alice', 'bob'] })]);
  });

  it('approval mode auto does not decide a gate that names its approvers', async () => {
    const { id } = await start({ approvers: { roles: ['lead'] } }, { approvalMode: 'auto' });
    expect((await queryStatus(shared.baton, id)).state).toBe('waiting');
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'alice' });
    expect((await waitForResult(shared.baton, id)).decisions[0]).toMatchObject({ by: 'alice', role: 'lead' });
  });
});

describe('what was approved', () => {
  it('refuses a decision against a digest the gate no longer shows (sent before a modify re-ran the phase)', async () => {
    const { id, gate } = await start({});
    expect(gate.digest).toMatch(/^[0-9a-f]{64}$/);
    await decide(shared.baton, id, { phase: 'spec', action: 'modify', by: 'alice', changes: { text: 'v2' } });
    const second = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates[0]?.id === 'spec#2',
    );
    expect(second.gates[0]!.digest).not.toBe(gate.digest);

    const stale = { phase: 'spec', action: 'approve' as const, by: 'bob', digest: gate.digest };
    expect(await refusal(decide(shared.baton, id, stale, { via: 'update' }))).toContain(
      `stale digest: the decision was made on what had digest ${gate.digest!.slice(0, 12)}…, but gate spec#2 now shows`,
    );
    await shared.baton.client.workflow.getHandle(id).signal(approvalSignal, stale);
    const ignored = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 1,
    );
    expect(ignored.ignoredSignals[0]!.reason).toContain('stale digest');
    await decide(shared.baton, id, { ...stale, digest: second.gates[0]!.digest });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.decisions.at(-1)).toMatchObject({ by: 'bob', digest: second.gates[0]!.digest });
  });
});

describe('escalation', () => {
  it('after `escalate.after` the wider set may decide, and is notified over the webhook', async () => {
    const { id } = await start({
      approvers: { roles: ['lead'] },
      escalate: { after: '1s', to: { roles: ['director'] } },
      timeout: '1h',
    });
    const early = decide(
      shared.baton,
      id,
      { phase: 'spec', action: 'approve', by: 'carol' },
      { via: 'update' },
    );
    expect(await refusal(early)).toContain('not an approver: carol');
    const escalated = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates[0]?.escalatedAt !== undefined,
    );
    expect(escalated.gates[0]).toMatchObject({
      approvers: { roles: ['lead', 'director'] },
      approverNames: ['alice', 'bob', 'carol'],
    });
    await waitFor(
      async () => notifications.filter((n) => n.workflowId === id),
      (list) => list.length === 1,
    );
    expect(notifications.find((n) => n.workflowId === id)).toMatchObject({
      event: 'gate.escalated',
      gate: { id: 'spec#1', phase: 'spec', kind: 'approval' },
      to: ['carol'],
      message: expect.stringContaining('Escalated: '),
    });
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'carol' });
    expect((await waitForResult(shared.baton, id)).decisions[0]).toMatchObject({
      by: 'carol',
      role: 'director',
    });
  });
});

describe('a gate nobody could decide', () => {
  it('fails the run at its start when a gate names a role the worker does not define', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        {
          id: 'spec',
          agent: 'echo',
          approval: { approvers: { roles: ['ops'] }, escalate: { after: '1h', to: { roles: ['cto'] } } },
        },
      ]),
    });
    const error = await waitForResult(shared.baton, workflowId).catch((e: unknown) => e as Error);
    expect(String((error as Error).message)).toContain('Invalid pipeline definition');
    const status = await shared.baton.client.workflow.getHandle(workflowId).describe();
    expect(status.status.name).toBe('FAILED');
    const history = await shared.baton.client.workflow.getHandle(workflowId).fetchHistory();
    const failure = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)
      ?.workflowExecutionFailedEventAttributes?.failure?.message;
    expect(failure).toContain(
      `phases[spec].approval.approvers.roles: role "ops" is not defined in the worker's config (roles there: lead, director)`,
    );
    expect(failure).toContain('phases[spec].approval.escalate.to.roles: role "cto"');
  });
});

describe('audit records and the decision path', () => {
  /** A run whose gated `spec` has just been approved, so its `build` (held until released) starts. */
  async function approveSpec() {
    const started = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'spec', agent: 'echo', input: { text: 'v1' }, approval: true },
        { id: 'build', agent: 'hold', needs: ['spec'], heartbeatTimeout: '5s' },
      ]),
    });
    await waitForGate(shared.baton, started.workflowId, 'spec');
    await decide(shared.baton, started.workflowId, { phase: 'spec', action: 'approve', by: 'alice' });
    return started;
  }

  it('schedules the next phase in the decision task; the records follow in a batch while it runs', async () => {
    const { workflowId, firstRunId } = await approveSpec();

    // The decision's record reaches history while `build` still runs: a batch does not wait for the run's end.
    const workspace = workspaceOf(shared.workspaceRoot, workflowId, firstRunId);
    await waitFor(
      () => readdir(workspace).catch(() => [] as string[]),
      (files) => files.includes('build.started.1'),
    );
    const whileRunning = await waitFor(
      () => auditRecords(workflowId),
      (records) => records.some((r) => r.type === 'decision'),
    );
    expect(whileRunning.map((r) => r.type)).toEqual(['governance', 'gate-opened', 'decision']);

    // The workflow task that took the decision scheduled `build` and wrote no record: no local
    // activity held it back.
    const events = (await shared.baton.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const decided = events.findIndex(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionSignaledEventAttributes,
    );
    expect(decided).toBeGreaterThan(0);
    const completed = events.findIndex((e, i) => i > decided && e.workflowTaskCompletedEventAttributes);
    const next = events.findIndex((e, i) => i > completed && e.workflowTaskScheduledEventAttributes);
    const commands = events.slice(completed + 1, next === -1 ? undefined : next);
    expect(
      commands.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runAgent'),
    ).toBe(true);
    expect(commands.some((e) => e.markerRecordedEventAttributes)).toBe(false);

    await writeFile(join(workspace, 'release'), 'go');
    expect((await waitForResult(shared.baton, workflowId)).state).toBe('completed');
    expect((await auditRecords(workflowId)).map((r) => r.type)).toEqual([
      'governance',
      'gate-opened',
      'decision',
    ]);
  });

  it('writes a batch still waiting when Temporal cancels the run', async () => {
    const { workflowId } = await approveSpec();
    const handle = shared.baton.client.workflow.getHandle(workflowId);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await auditRecords(workflowId)).map((r) => r.type)).toEqual([
      'governance',
      'gate-opened',
      'decision',
    ]);
  });
});

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditRun } from '../../src/client/audit';
import { renderCsv, CSV_COLUMNS } from '../../src/client/audit/format';
import { readEvents } from '../../src/client/audit/read-history';
import { AuditReportSchema, type AuditEntry, type AuditReport } from '../../src/client/audit/schema';
import type { Baton } from '../../src/client/connect';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { BatonConfig } from '../../src/config';
import type { DefinitionInput } from '../../src/shared/definition';
import { canonicalJson, sha256Hex } from '../../src/shared/governance';
import { hasControlChars } from '../../src/shared/limits';
import { approvalSignal } from '../../src/shared/messages';
import { uniqueId, waitFor, queryStatus, testBaton } from '../helpers/env';
import { parallelAgents } from '../parallel/agents';
import { writes } from '../parallel/helpers';
import { cli, type CliResult } from './cli-helpers';

const ROLES = { lead: ['alice', 'bob'] };
const CONFIG: BatonConfig = {
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles: ROLES,
  security: { signedDecisions: false, decisionKeys: {} },
};
const agentNames = parallelAgents().map((a) => a.name);

/** A real worker with roles in its config, optionally with a payload codec. */
async function governedWorker(taskQueue: string, dataConverter?: DataConverter) {
  const { createActivities } = await import('../../src/activities');
  const { createArtifactStore } = await import('../../src/store/artifacts');
  const workspaceRoot = await mkdtemp(join(tmpdir(), 'baton-audit-'));
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      agents: parallelAgents(),
      workspaceRoot,
      artifacts: createArtifactStore(join(workspaceRoot, '.artifacts')),
      config: CONFIG,
    }),
    ...(dataConverter ? { dataConverter } : {}),
  });
  const running = worker.run();
  let stopped = false;
  return {
    workspaceRoot,
    async stop() {
      if (stopped) return;
      stopped = true;
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

const byType = <T extends AuditEntry['type']>(report: AuditReport, type: T) =>
  report.entries.filter((e): e is Extract<AuditEntry, { type: T }> => e.type === type);

describe('the audit of a pre-governance history (a committed fixture)', () => {
  it('lists phase runs, and signals and updates as received decisions', async () => {
    const file = new URL('../fixtures/histories/node-express-api-decisions.v6.json', import.meta.url);
    const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
    const read = await readEvents(history.events ?? [], {
      run: 'fixture',
      converter: loadDataConverter({}),
      fetch: () => Promise.reject(new Error('no children in this run')),
    });
    const report = AuditReportSchema.parse({
      runs: [{ workflowId: 'fixture', runId: read.runId, recorded: read.recorded }],
      entries: read.entries,
    });
    expect(read.recorded).toBe(false);
    expect(report.entries[0]).toMatchObject({ type: 'run-started', template: 'node-express-api' });
    expect(byType(report, 'run-started')[0]?.params).toContain('requirements');
    expect(report.entries.at(-1)).toMatchObject({ type: 'run-ended', outcome: 'completed' });
    const received = byType(report, 'decision-received').map((e) => [e.action, e.via, e.applied]);
    expect(received).toEqual([
      ['modify', 'update', true],
      ['retry', 'signal', 'unknown'],
      ['approve', 'update', true],
      ['skip', 'signal', 'unknown'],
    ]);
    expect(byType(report, 'phase-started').map((e) => `${e.phase}/${e.phaseRun}`)).toEqual([
      'spec/1',
      'spec/2',
      'spec/3',
      'codegen/1',
      'review/1',
      'build/1',
    ]);
    expect(byType(report, 'gate-opened').map((e) => e.phase)).toEqual(['spec', 'spec', 'spec', 'codegen']);
  });
});

describe('docs/audit.md', () => {
  it('holds a JSON example that matches the schema', () => {
    const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const report = AuditReportSchema.parse(JSON.parse(example as string));
    expect(new Set(report.entries.map((e) => e.type)).size).toBeGreaterThanOrEqual(10);
  });
});

describe('CSV', () => {
  it('quotes by RFC 4180 and escapes control characters', () => {
    const csv = renderCsv({
      runs: [],
      entries: [
        {
          type: 'decision',
          at: '2026-01-01T00:00:00.000Z',
          run: 'r1',
          phase: 'spec',
          gate: 'spec#1',
          by: 'alice',
          action: 'approve',
          comment: 'ok, "ship it"\nnow\u001b[2J',
          signature: 'off',
          via: 'update',
        },
      ],
    });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(
      '2026-01-01T00:00:00.000Z,r1,decision,spec,spec#1,alice,,approve,,off,update,,"ok, ""ship it""\\u000anow\\u001b[2J"',
    );
    expect(lines).toHaveLength(3);
    expect(hasControlChars(csv.replaceAll('\r\n', ''))).toBe(false);
  });
});

describe('baton audit, from history, with the worker stopped', { timeout: 240_000 }, () => {
  const taskQueue = uniqueId('audit');
  const name = uniqueId('audit-scenario');
  const shared = { taskQueue, workspaceRoot: tmpdir() };
  const { baton: run } = cli(shared);
  const audit = (args: string[]): Promise<CliResult> => run(['audit', ...args]);
  let client: Baton;
  let worker: Awaited<ReturnType<typeof governedWorker>>;
  let id = '';
  let failedId = '';
  let stuck: string[] = [];

  const definition: DefinitionInput = {
    name,
    phases: [
      {
        id: 'retry',
        agent: 'flaky',
        input: {},
        retry: { maxAttempts: 5, initialInterval: '50ms', backoff: 1 },
      },
      {
        id: 'review',
        needs: ['retry'],
        agent: 'echo',
        input: { what: 'the review' },
        approval: {
          approvers: { roles: ['lead'] },
          minApprovals: 2,
          remind: '1s',
          escalate: { after: '2s', to: { users: ['dave'] } },
        },
      },
      {
        id: 'policy',
        needs: ['review'],
        agent: 'echo',
        input: {},
        approval: { autoApprove: { when: 'phases.retry.output.succeededOnAttempt == 3' } },
      },
      {
        id: 'wait',
        needs: ['policy'],
        agent: 'echo',
        input: {},
        approval: { timeout: '1s', onTimeout: 'approve' },
      },
      { id: 'seed', needs: ['wait'], agent: 'write-files', input: { files: { 'README.md': 'seed\n' } } },
      {
        id: 'work',
        needs: ['seed'],
        parallel: { tasks: [writes('a', { 'a.txt': 'a\n' }), writes('b', { 'b.txt': 'b\n' })] },
      },
    ],
  };

  beforeAll(async () => {
    client = await testBaton(taskQueue);
    worker = await governedWorker(taskQueue);
    shared.workspaceRoot = worker.workspaceRoot;
    ({ workflowId: id } = await startRun(client, { definition, agents: agentNames }));
    const gate = (phase: string) =>
      waitFor(
        () => queryStatus(client, id),
        (s) => s.gates.some((g) => g.phase === phase),
      ).then((s) => s.gates.find((g) => g.phase === phase)!);
    await gate('review');
    // Not an approver: ignored (signal), refused (update, and so not in history).
    await decide(
      client,
      id,
      { phase: 'review', action: 'approve', by: 'carol' },
      { via: 'signal', confirm: false },
    );
    await waitFor(
      () => queryStatus(client, id),
      (s) => s.ignoredSignals.length === 1,
    );
    stuck = [];
    await decide(client, id, { phase: 'review', action: 'approve', by: 'carol' }, { via: 'update' }).catch(
      (error: Error) => stuck.push(error.message),
    );
    // A stale digest, sent straight to the run (the baton client refuses it before sending): ignored.
    await client.client.workflow
      .getHandle(id)
      .signal(approvalSignal, { phase: 'review', action: 'approve', by: 'alice', digest: '0'.repeat(64) });
    await waitFor(
      () => queryStatus(client, id),
      (s) => s.ignoredSignals.length === 2,
    );
    // A reminder, then the escalation, on durable timers.
    await waitFor(
      () => gate('review'),
      (g) => (g.reminders ?? 0) >= 1 && g.escalatedAt !== undefined,
      30_000,
    );
    // The two-person rule: alice is counted, bob's approval opens the gate.
    await decide(
      client,
      id,
      { phase: 'review', action: 'approve', by: 'alice', comment: 'first' },
      { via: 'update' },
    );
    await decide(client, id, { phase: 'review', action: 'approve', by: 'bob', comment: 'ok, "ship it"' });
    // A policy approves the next gate by itself, or, while policies cannot evaluate, leaves it to a human.
    const passed = await waitFor(
      () => queryStatus(client, id),
      (s) =>
        s.gates.some((g) => g.phase === 'policy') ||
        s.phases.some((p) => p.id === 'wait' && p.state !== 'pending'),
    );
    if (passed.gates.some((g) => g.phase === 'policy'))
      await decide(client, id, { phase: 'policy', action: 'approve', by: 'alice' }, { via: 'update' });
    const summary = await waitForResult(client, id);
    expect(summary.state).toBe('completed');

    // A second run of the same definition, which fails: for --since.
    ({ workflowId: failedId } = await startRun(client, {
      definition: { name, phases: [{ id: 'doomed', agent: 'fatal', input: {} }] },
      agents: agentNames,
    }));
    await waitForResult(client, failedId).catch(() => undefined);
    // From here on, nothing polls the task queue: the audit reads history alone.
    await worker.stop();
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
  });

  it('refuses a decision from someone who is not an approver (update)', () => {
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatch(/carol/);
  });

  it('prints every kind of event as JSON that matches the schema', async () => {
    const result = await audit([id, '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = AuditReportSchema.parse(JSON.parse(result.stdout));
    expect(report.runs).toEqual([expect.objectContaining({ workflowId: id, recorded: true })]);
    const at = report.entries.map((e) => e.at);
    expect(at).toEqual([...at].sort());
    expect(report.entries.every((e) => e.run === id)).toBe(true);
    expect(report.entries[0]).toMatchObject({ type: 'run-started', definition: name });
    expect(report.entries.at(-1)).toMatchObject({ type: 'run-ended', outcome: 'completed' });
    expect(byType(report, 'governance')).toEqual([
      expect.objectContaining({ rolesDigest: sha256Hex(canonicalJson(ROLES)), signedDecisions: false }),
    ]);

    // The retry after failures, and the attempt that succeeded.
    expect(byType(report, 'phase-retry')).toEqual([
      expect.objectContaining({ phase: 'retry', attempt: 3, reason: 'planned failure 2 of 2' }),
    ]);
    expect(byType(report, 'phase-ended').find((e) => e.phase === 'retry')).toMatchObject({
      attempt: 3,
      agent: 'flaky',
    });

    // The review gate: what it showed, who was ignored and why, reminder, escalation, two approvals.
    const opened = byType(report, 'gate-opened').find((e) => e.phase === 'review')!;
    expect(opened).toMatchObject({ gate: 'review#1', kind: 'approval', minApprovals: 2 });
    expect(opened.approvers).toEqual({ roles: ['lead'], users: [] });
    expect(opened.digest).toMatch(/^[0-9a-f]{64}$/);
    const ignored = byType(report, 'ignored');
    expect(ignored.map((e) => [e.by, e.via])).toEqual([
      ['carol', 'signal'],
      ['alice', 'signal'],
    ]);
    expect(ignored[0]?.reason).toMatch(/carol/);
    expect(ignored[1]?.reason).toMatch(/stale digest/);
    expect(byType(report, 'reminder')[0]).toMatchObject({ gate: 'review#1', n: 1 });
    expect(byType(report, 'escalation')).toEqual([
      expect.objectContaining({ gate: 'review#1', to: { roles: [], users: ['dave'] }, notified: ['dave'] }),
    ]);
    const review = byType(report, 'decision').filter((e) => e.gate === 'review#1');
    expect(review.map((e) => [e.by, e.role, e.via, e.signature, e.counted?.count, e.digest])).toEqual([
      ['alice', 'lead', 'update', 'off', 1, opened.digest],
      ['bob', 'lead', 'signal', 'off', 2, opened.digest],
    ]);
    expect(review[1]?.comment).toBe('ok, "ship it"');

    // The policy gate: a policy approval with its inputs, or the policy's error and a human.
    const policy = byType(report, 'decision').find((e) => e.phase === 'policy')!;
    const policyError = byType(report, 'policy-error').find((e) => e.phase === 'policy');
    if (policy.via === 'policy')
      expect(policy).toMatchObject({ by: 'baton:policy', policy: { when: expect.any(String) } });
    else
      expect(policyError).toMatchObject({
        gate: 'policy#1',
        when: 'phases.retry.output.succeededOnAttempt == 3',
      });

    // The timeout: recorded, and the decision it took.
    expect(byType(report, 'timeout')).toEqual([
      expect.objectContaining({ gate: 'wait#1', action: 'approve' }),
    ]);
    expect(byType(report, 'decision').find((e) => e.phase === 'wait')).toMatchObject({
      by: 'baton:timeout',
      via: 'timeout',
    });

    // The parallel phase's tasks ran as child workflows: their attempts are here, tagged.
    const tasks = byType(report, 'phase-ended').filter((e) => e.phase === 'work' && e.task);
    expect(tasks.map((e) => e.task).sort()).toEqual(['a', 'b']);
    expect(tasks[0]?.workflow).toContain(id);
    // The run's own records replace the raw guesses.
    expect(byType(report, 'decision-received')).toEqual([]);
  });

  it('prints CSV with one header and one row per entry', async () => {
    const [csv, json] = await Promise.all([audit([id, '--format', 'csv']), audit([id, '--json'])]);
    expect(csv.code).toBe(0);
    const report = AuditReportSchema.parse(JSON.parse(json.stdout));
    const rows = csv.stdout.split('\r\n').filter(Boolean);
    expect(rows[0]).toBe('at,run,type,phase,gate,by,role,action,digest,signature,via,reason,comment');
    expect(rows).toHaveLength(report.entries.length + 1);
    const digest = byType(report, 'gate-opened').find((e) => e.phase === 'review')?.digest as string;
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `,decision,review,review#1,bob,lead,approve,${digest},off,signal,[^,]*,"ok, ""ship it"""$`,
        ),
      ),
    );
    expect(rows.filter((r) => r.includes(',work.a,')).length).toBeGreaterThanOrEqual(2);
  });

  it('prints a table by default', async () => {
    const result = await audit([id]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT\s+TYPE\s+PHASE\s+GATE\s+BY\s+ACTION\s+DETAILS$/);
    expect(lines.some((l) => /decision\s+review\s+review#1\s+bob\s+approve\s+role lead/.test(l))).toBe(true);
  });

  it('covers many runs with --since and --template', async () => {
    const result = await audit(['--since', '1h', '--template', name, '--format', 'csv']);
    expect(result.code).toBe(0);
    const runs = new Set(
      result.stdout
        .split('\r\n')
        .slice(1)
        .filter(Boolean)
        .map((r) => r.split(',')[1]),
    );
    expect(runs).toEqual(new Set([id, failedId]));
    expect(result.stdout).toMatch(
      new RegExp(`${failedId},run-ended,,,,,failed,,,,.*the spec is contradictory`),
    );
    const none = await audit(['--since', '1h', '--template', 'no-such-template', '--format', 'json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ runs: [], entries: [] });
  });

  it('names an unknown run', async () => {
    const result = await audit(['no-such-run-here']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No run with id "no-such-run-here"');
  });

  const BAD: [string[], string][] = [
    [['--format', 'xml', 'x'], '--format "xml" is not a format; use one of table, json, csv'],
    [['--since', 'yesterday'], '--since "yesterday" is neither a duration nor a date'],
    [['--since', '2999-01-01'], '--since "2999-01-01" is in the future'],
    [['--since', '1d', '--limit', '0'], '--limit "0" is not a positive whole number'],
    [['--since', '1d', '--template', "x' OR 1=1"], 'is not a template name'],
    [[], 'Name a run (baton audit <id>) or a time'],
    [['some-run', '--since', '7d'], 'Give a run id or --since, not both'],
    [['some-run', '--template', 'x'], '--template and --limit go with --since'],
    [['x'.repeat(2000)], 'at most 1000 characters'],
    [[''], 'cannot be empty'],
  ];
  it.each(BAD.map(([args, message]) => [JSON.stringify(args).slice(0, 40), args, message] as const))(
    'refuses bad input `%s` before it contacts the server',
    async (_shown, args, message) => {
      const result = await run(['audit', ...args], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: /);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('Cannot reach');
    },
  );
});

/** AES-256-GCM over each payload: a stand-in for the project's codec (any codec goes through the converter). */
function testCodec(key: Buffer): PayloadCodec {
  const ENCODING = 'binary/test-encrypted';
  return {
    async encode(payloads: Payload[]) {
      return payloads.map((p) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const plain = Buffer.from(
          JSON.stringify({
            metadata: Object.fromEntries(
              Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(p.data ?? []).toString('base64'),
          }),
        );
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return { metadata: { encoding: Buffer.from(ENCODING) }, data };
      });
    },
    async decode(payloads: Payload[]) {
      return payloads.map((p) => {
        if (Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCODING) return p;
        const raw = Buffer.from(p.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(raw.length - 16));
        const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
        const inner = JSON.parse(plain.toString()) as { metadata: Record<string, string>; data: string };
        return {
          metadata: Object.fromEntries(
            Object.entries(inner.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
          ),
          data: Buffer.from(inner.data, 'base64'),
        };
      });
    },
  };
}

describe('the audit of an encrypted history', { timeout: 120_000 }, () => {
  it('decodes payloads through the client data converter, and only with its codec', async () => {
    const taskQueue = uniqueId('audit-enc');
    const dataConverter = { payloadCodecs: [testCodec(randomBytes(32))] };
    const worker = await governedWorker(taskQueue, dataConverter);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const baton = (converter?: DataConverter): Baton => ({
      client: new Client({
        connection,
        namespace: 'default',
        ...(converter ? { dataConverter: converter } : {}),
      }),
      connection,
      taskQueue,
      address: inject('temporalAddress'),
      namespace: 'default',
      queryTimeoutMs: 10_000,
      close: async () => undefined,
    });
    const secret = baton(dataConverter);
    try {
      const { workflowId } = await startRun(secret, {
        definition: {
          name: 'audit-encrypted',
          phases: [
            {
              id: 'retry',
              agent: 'flaky',
              input: {},
              retry: { maxAttempts: 5, initialInterval: '50ms', backoff: 1 },
            },
            {
              id: 'gate',
              needs: ['retry'],
              agent: 'echo',
              input: {},
              approval: { approvers: { users: ['alice'] } },
            },
          ],
        },
        agents: agentNames,
      });
      await waitFor(
        () => queryStatus(secret, workflowId),
        (s) => s.gates.some((g) => g.phase === 'gate'),
      );
      await decide(
        secret,
        workflowId,
        { phase: 'gate', action: 'approve', by: 'alice', comment: 'top-secret-comment' },
        { via: 'update' },
      );
      await waitForResult(secret, workflowId);
      await worker.stop();

      const raw = JSON.stringify(await secret.client.workflow.getHandle(workflowId).fetchHistory());
      expect(raw).not.toContain('top-secret-comment');
      const report = await auditRun(secret, workflowId);
      expect(byType(report, 'decision')).toEqual([
        expect.objectContaining({ by: 'alice', role: 'user', comment: 'top-secret-comment', gate: 'gate#1' }),
      ]);
      expect(byType(report, 'phase-retry')[0]).toMatchObject({ phase: 'retry', attempt: 3 });
      await expect(auditRun(baton(), workflowId)).rejects.toThrow(/Cannot read the history of run/);
    } finally {
      await worker.stop();
      await connection.close();
    }
  });
});

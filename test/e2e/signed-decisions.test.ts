/**
 * Signed decisions end to end: real worker processes (one with `security.signedDecisions`, one
 * without), decisions sent straight with the `temporal` CLI (unsigned, forged, and signed by the
 * Python script in docs/signing.md), and the `baton` CLI signing with BATON_DECISION_KEY.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun, waitForResult, type Baton } from '../../src/client/runs';
import { findTemporalCli } from '../../src/dev/temporal-cli';
import type { RunStatus } from '../../src/shared/status';
import { cli } from '../client/cli-helpers';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, testBaton, uniqueId, waitFor, waitForGate } from '../helpers/env';
import { killHard, spawnWorker } from '../helpers/processes';
import { signWithPython } from '../helpers/signing';

const ALICE_KEY = 'alice-key-0123456789abcdef0123456789abcdef';
const SHARED_KEY = 'team-key-0123456789abcdef0123456789abcdef';
const run = promisify(execFile);

interface Side {
  taskQueue: string;
  workspaceRoot: string;
  baton: Baton;
  worker: ChildProcess;
}

/** A worker process with its own task queue, config file and keys. */
async function side(prefix: string, config: unknown, env: Record<string, string>): Promise<Side> {
  const taskQueue = uniqueId(prefix);
  const workspaceRoot = await mkdtemp(join(tmpdir(), `baton-${prefix}-`));
  const configFile = join(workspaceRoot, 'baton.config.json');
  await writeFile(configFile, JSON.stringify(config));
  const worker = await spawnWorker({
    address: inject('temporalAddress'),
    taskQueue,
    workspaceRoot,
    bundlePath: inject('workflowBundlePath'),
    extra: { BATON_CONFIG: configFile, ...env },
  });
  return { taskQueue, workspaceRoot, baton: await testBaton(taskQueue), worker };
}

const sides: Side[] = [];
let signing: Side;
let plain: Side;
let temporal: string;

beforeAll(async () => {
  temporal = (await findTemporalCli()) ?? '';
  if (!temporal) throw new Error('the Temporal CLI is not installed (the dev server needs it too)');
  [signing, plain] = await Promise.all([
    side(
      'signed',
      {
        security: {
          signedDecisions: true,
          decisionKeys: { alice: [{ id: 'alice-1', env: 'ALICE_DECISION_KEY' }] },
        },
      },
      { ALICE_DECISION_KEY: ALICE_KEY, BATON_DECISION_KEY: SHARED_KEY },
    ),
    side('unsigned', {}, { BATON_DECISION_KEY: '' }),
  ]);
  sides.push(signing, plain);
});
afterAll(async () => {
  for (const s of sides) {
    await killHard(s.worker);
    await s.baton.close();
  }
});

/** A run with two gated phases: spec, then build. */
async function startTwoGates(s: Side): Promise<{ id: string; status: RunStatus }> {
  const { workflowId } = await startRun(s.baton, {
    agents: testAgents().map((a) => a.name),
    definition: definition([
      { id: 'spec', agent: 'echo', input: { text: 'v1' }, approval: true },
      { id: 'build', agent: 'echo', needs: ['spec'], input: { text: 'b' }, approval: true },
    ]),
  });
  return { id: workflowId, status: await waitForGate(s.baton, workflowId, 'spec') };
}

/** `temporal workflow signal`: what anyone who can reach the server can do. */
const signal = (id: string, payload: unknown) =>
  run(temporal, [
    'workflow',
    'signal',
    '--address',
    inject('temporalAddress'),
    '--workflow-id',
    id,
    '--name',
    'approval',
    '--input',
    JSON.stringify(payload),
  ]);

const ignoredWith = (s: Side, id: string, prefix: string) =>
  waitFor(
    () => queryStatus(s.baton, id),
    (st) => st.ignoredSignals.some((i) => i.reason.startsWith(prefix)),
  );

describe('with security.signedDecisions on', () => {
  it('ignores unsigned and forged signals, applies a Python-signed one, and the baton CLI signs', async () => {
    const { id, status } = await startTwoGates(signing);
    const gate = status.gates[0]!;
    expect(gate.digest).toMatch(/^[0-9a-f]{64}$/);

    await signal(id, { phase: 'spec', action: 'approve', by: 'alice' });
    const unsigned = await ignoredWith(signing, id, 'unsigned');
    expect(unsigned.gates.map((g) => g.id)).toEqual([gate.id]);

    const decision = { phase: 'spec', action: 'approve', by: 'alice', comment: 'the spec is fine' };
    const forged = await signWithPython({
      decision,
      workflowId: id,
      gate: gate.id,
      digest: gate.digest!,
      key: 'not-alices-key-0123456789abcdef0123456789',
      keyId: 'alice-1',
    });
    await signal(id, forged);
    const afterForged = await ignoredWith(signing, id, 'bad signature');
    expect(afterForged.ignoredSignals.find((i) => i.reason.startsWith('bad signature'))?.reason).toContain(
      '(tried "alice-1")',
    );
    expect(afterForged.gates.map((g) => g.id)).toEqual([gate.id]);
    expect(afterForged.decisions).toEqual([]);

    const good = await signWithPython({
      decision,
      workflowId: id,
      gate: gate.id,
      digest: gate.digest!,
      key: ALICE_KEY,
      keyId: 'alice-1',
    });
    await signal(id, good);
    const applied = await waitForGate(signing.baton, id, 'build');
    expect(applied.decisions).toEqual([
      expect.objectContaining({
        phase: 'spec',
        gate: gate.id,
        by: 'alice',
        keyId: 'alice-1',
        signature: 'verified',
        via: 'signal',
      }),
    ]);

    // The baton CLI, as a process, signing with the shared key.
    const { baton } = cli(signing);
    const approved = await baton(['approve', id, 'build', '--by', 'bob', '--json'], {
      BATON_DECISION_KEY: SHARED_KEY,
    });
    expect(approved.stderr).toBe('');
    expect(JSON.parse(approved.stdout)).toMatchObject({ accepted: true, phase: 'build' });
    const summary = await waitForResult(signing.baton, id);
    expect(summary.state).toBe('completed');
    const end = await queryStatus(signing.baton, id);
    expect(end.decisions.find((d) => d.phase === 'build')).toMatchObject({
      by: 'bob',
      keyId: 'shared',
      signature: 'verified',
    });
  });

  it('refuses an unsigned update; refuses a stale --digest and a bad key locally; takes a signed update', async () => {
    const { id, status } = await startTwoGates(signing);
    const gate = status.gates[0]!;
    const { baton } = cli(signing);

    const unsigned = await baton(['approve', id, 'spec', '--by', 'alice', '--update'], {
      BATON_DECISION_KEY: '',
    });
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toMatch(/Decision refused by run .*: unsigned: /);

    const stale = await baton(['approve', id, 'spec', '--by', 'alice', '--digest', 'f'.repeat(64)], {
      BATON_DECISION_KEY: ALICE_KEY,
      BATON_DECISION_KEY_ID: 'alice-1',
    });
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain("the gate's digest changed since you saw it");

    const shortKey = await baton(['approve', id, 'spec', '--by', 'alice'], { BATON_DECISION_KEY: 'short' });
    expect(shortKey.code).not.toBe(0);
    expect(shortKey.stderr).toContain('BATON_DECISION_KEY is 5 characters; a decision key is at least 32');
    expect(shortKey.stderr).not.toContain('short"');

    const wrongId = await baton(['approve', id, 'spec', '--by', 'alice', '--update'], {
      BATON_DECISION_KEY: ALICE_KEY,
      BATON_DECISION_KEY_ID: 'alice-2',
    });
    expect(wrongId.stderr).toContain('unknown key: "alice-2" is not a key of alice on this worker');

    // None of those moved the gate; none of them even reached the run as a signal.
    const still = await queryStatus(signing.baton, id);
    expect(still.gates.map((g) => g.id)).toEqual([gate.id]);
    expect(still.decisions).toEqual([]);
    expect(still.ignoredSignals).toEqual([]);

    const ok = await baton(
      ['approve', id, 'spec', '--by', 'alice', '--update', '--digest', gate.digest!, '--json'],
      { BATON_DECISION_KEY: ALICE_KEY, BATON_DECISION_KEY_ID: 'alice-1' },
    );
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toMatchObject({ accepted: true, phase: 'spec', gate: gate.id });
    const next = await waitForGate(signing.baton, id, 'build');
    expect(next.decisions[0]).toMatchObject({
      by: 'alice',
      keyId: 'alice-1',
      signature: 'verified',
      via: 'update',
    });
  });
});

describe('with signing off', () => {
  it('takes unsigned decisions as before, from the Temporal CLI and the baton CLI', async () => {
    const { id } = await startTwoGates(plain);
    await signal(id, { phase: 'spec', action: 'approve', by: 'alice' });
    const next = await waitForGate(plain.baton, id, 'build');
    expect(next.decisions[0]).toMatchObject({ by: 'alice', via: 'signal' });
    expect(next.decisions[0]?.signature).toBeUndefined();

    const { baton } = cli(plain);
    const approved = await baton(['approve', id, 'build', '--by', 'bob', '--update'], {
      BATON_DECISION_KEY: '',
    });
    expect(approved.code).toBe(0);
    expect((await waitForResult(plain.baton, id)).state).toBe('completed');
  });
});

/**
 * decideAs against a real dev server and worker: the worker requires signed decisions and knows
 * the roles; an approver decides (signed with their own key on the server), a non-approver is
 * refused before anything is sent, a repeat reports the decision already taken.
 */
import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/client/api';
import { BatonError } from '../../src/client/errors';
import { startRun } from '../../src/client/runs';
import type { BatonConfig } from '../../src/config';
import { decideAs, ForbiddenError, GateNotFoundError, mayDecide } from '../../src/server/decide-as';
import { principalOf } from '../../src/server/auth';
import type { OpenGate } from '../../src/shared/status';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitForGate } from '../helpers/env';

const ALICE_KEY = 'alice-server-key-0123456789abcdef0123456789';
// The worker verifies with its environment; decideAs reads the same variable on the server side.
process.env.BATON_TEST_ALICE_KEY = ALICE_KEY;

const roles = { lead: ['alice', 'bob'] };
const security = {
  signedDecisions: true,
  decisionKeys: { alice: [{ id: 'alice-1', env: 'BATON_TEST_ALICE_KEY' }] },
};
const config: BatonConfig = {
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  roles,
  security,
  notify: {},
  notifications: [],
};
const shared = useWorker({ prefix: 'decide-as', config });
const settings = { roles, security, env: { BATON_TEST_ALICE_KEY: ALICE_KEY } };
const alice = principalOf('alice', roles, 'token');

async function startGated() {
  const { workflowId } = await startRun(shared.baton, {
    agents: testAgents().map((a) => a.name),
    definition: definition([
      { id: 'spec', agent: 'echo', input: { text: 'v1' }, approval: { approvers: { roles: ['lead'] } } },
      { id: 'build', agent: 'echo', needs: ['spec'], input: { text: 'b' }, approval: true },
    ]),
  });
  await waitForGate(shared.baton, workflowId, 'spec');
  return workflowId;
}

describe('decideAs', { concurrent: true }, () => {
  it('sends an approver’s decision as them, signed with their key; a repeat is already-decided', async () => {
    const id = await startGated();
    const api = createApi({ baton: shared.baton });
    const result = await decideAs(
      api,
      alice,
      { id, gate: 'spec#1', action: 'approve', comment: 'ok' },
      settings,
    );
    expect(result).toEqual({
      outcome: 'decided',
      gate: 'spec#1',
      phase: 'spec',
      action: 'approve',
      by: 'alice',
      signed: true,
    });
    const status = await waitForGate(shared.baton, id, 'build');
    expect(status.decisions).toHaveLength(1);
    expect(status.decisions[0]).toMatchObject({
      gate: 'spec#1',
      by: 'alice',
      role: 'lead',
      signature: 'verified',
      comment: 'ok',
    });

    const again = await decideAs(api, alice, { id, gate: 'spec#1', action: 'reject' }, settings);
    expect(again).toMatchObject({
      outcome: 'already-decided',
      gate: 'spec#1',
      decision: { by: 'alice', action: 'approve' },
    });
    const byPhase = await decideAs(api, alice, { id, phase: 'spec', action: 'approve' }, settings);
    expect(byPhase).toMatchObject({ outcome: 'already-decided', gate: 'spec#1' });
    expect((await queryStatus(shared.baton, id)).decisions).toHaveLength(1);
  });

  it('refuses a non-approver with the gate and who may decide it; nothing is sent', async () => {
    const id = await startGated();
    const api = createApi({ baton: shared.baton });
    const dave = principalOf('dave', roles, 'cookie');
    const error = await decideAs(api, dave, { id, phase: 'spec', action: 'approve' }, settings).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ user: 'dave', gate: 'spec#1', approvers: ['alice', 'bob'] });
    expect((error as Error).message).toBe('dave may not decide gate spec#1: its approvers are alice, bob');
    const status = await queryStatus(shared.baton, id);
    expect(status.gates.map((g) => g.id)).toEqual(['spec#1']);
    expect(status.ignoredSignals).toEqual([]);
  });

  it('names the open gates for a gate that is not open, and refuses to send unsigned when signing is on', async () => {
    const id = await startGated();
    const api = createApi({ baton: shared.baton });
    const missing = await decideAs(api, alice, { id, gate: 'build#1', action: 'approve' }, settings).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(GateNotFoundError);
    expect((missing as Error).message).toBe(`Run "${id}" has no open gate "build#1" (open gates: spec#1).`);

    // bob may decide, but the server holds no key for him and no shared key.
    const bob = principalOf('bob', roles, 'token');
    const unsigned = await decideAs(api, bob, { id, gate: 'spec#1', action: 'approve' }, settings).catch(
      (e: unknown) => e,
    );
    expect(unsigned).toBeInstanceOf(BatonError);
    expect((unsigned as BatonError).message).toMatch(/no key to sign bob's decision/);
    expect((unsigned as BatonError).hint).toMatch(/security\.decisionKeys\.bob/);
    // With the shared key set on the server, bob's decision goes out signed with it (key id
    // "shared"); this worker holds no shared key, so the run refuses it and the gate stays open.
    const withShared = { ...settings, env: { ...settings.env, BATON_DECISION_KEY: 'x'.repeat(40) } };
    await expect(decideAs(api, bob, { id, gate: 'spec#1', action: 'approve' }, withShared)).rejects.toThrow(
      /unknown key: "shared" is not a key of bob/,
    );
    expect((await queryStatus(shared.baton, id)).gates.map((g) => g.id)).toEqual(['spec#1']);
  });
});

describe('mayDecide', () => {
  const gate = (extra: Partial<OpenGate>) =>
    ({ id: 'spec#1', phase: 'spec', title: 'spec', openedAt: '', kind: 'approval', ...extra }) as OpenGate;
  it('lets anyone decide a gate without approvers, and only approvers one with them', () => {
    expect(mayDecide(principalOf('zoe', {}, 'token'), gate({}), roles)).toBe(true);
    const guarded = gate({ approvers: { roles: ['lead'], users: ['carol'] } });
    expect(mayDecide(principalOf('bob', roles, 'token'), guarded, roles)).toBe(true);
    expect(mayDecide(principalOf('carol', roles, 'token'), guarded, roles)).toBe(true);
    expect(mayDecide(principalOf('zoe', roles, 'token'), guarded, roles)).toBe(false);
    // The worker's resolution counts too (the server's roles may lag behind it).
    expect(mayDecide(principalOf('zoe', {}, 'token'), gate({ ...guarded, approverNames: ['zoe'] }), {})).toBe(
      true,
    );
  });
});

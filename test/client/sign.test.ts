/** The client's key from the environment, and what it signs: checked by the worker's own activity. */
import { describe, expect, it } from 'vitest';
import { createVerifyDecision } from '../../src/activities/governance/verify';
import { signDecision, signingKeyFromEnv } from '../../src/client/sign';

const KEY = 'k'.repeat(40);

describe('signingKeyFromEnv', () => {
  it('reads BATON_DECISION_KEY with the id "shared", or BATON_DECISION_KEY_ID', () => {
    expect(signingKeyFromEnv({})).toBeUndefined();
    expect(signingKeyFromEnv({ BATON_DECISION_KEY: KEY })).toEqual({ id: 'shared', key: KEY });
    expect(signingKeyFromEnv({ BATON_DECISION_KEY: KEY, BATON_DECISION_KEY_ID: 'alice-1' })).toEqual({
      id: 'alice-1',
      key: KEY,
    });
  });

  it.each([
    [{ BATON_DECISION_KEY: 'short' }, 'BATON_DECISION_KEY is 5 characters; a decision key is at least 32'],
    [{ BATON_DECISION_KEY: ` ${KEY}` }, 'BATON_DECISION_KEY starts or ends with whitespace'],
    [
      { BATON_DECISION_KEY: KEY, BATON_DECISION_KEY_ID: 'alice 1' },
      'BATON_DECISION_KEY_ID="alice 1": a key id is 1-64 letters, digits',
    ],
    [
      { BATON_DECISION_KEY_ID: 'alice-1' },
      'BATON_DECISION_KEY_ID="alice-1" is set but BATON_DECISION_KEY is not',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => signingKeyFromEnv(env)).toThrow(message);
    try {
      signingKeyFromEnv(env);
    } catch (error) {
      expect((error as Error).message).not.toContain(KEY);
    }
  });
});

describe('signDecision', () => {
  it('signs what the worker verifies: the trimmed `by`, the gate, the digest and signedAt', async () => {
    const target = { workflowId: 'wf-9', gate: 'build#1', digest: 'c'.repeat(64) };
    const decision = signDecision(
      { phase: 'build', action: 'modify', by: ' alice ', changes: { level: 2 } },
      target,
      { id: 'shared', key: KEY },
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(decision).toMatchObject({
      by: 'alice',
      gate: 'build#1',
      digest: 'c'.repeat(64),
      signedAt: '2030-01-01T00:00:00.000Z',
      keyId: 'shared',
    });
    const verify = createVerifyDecision({ env: { BATON_DECISION_KEY: KEY } });
    // Signed "in 2030": the worker's clock rule is the one thing that refuses it.
    await expect(verify({ ...target, decision })).resolves.toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^signedAt is in the future/) as string,
    });
    const now = signDecision({ phase: 'build', action: 'approve', by: 'alice' }, target, {
      id: 'shared',
      key: KEY,
    });
    await expect(verify({ ...target, decision: now })).resolves.toEqual({ ok: true, keyId: 'shared' });
  });
});

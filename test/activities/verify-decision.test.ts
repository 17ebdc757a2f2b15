/**
 * The `verifyDecision` activity on its own: real HMACs, from our signer, from the doc's Python
 * script and from its shell recipe, against keys from a config and an environment. Then the
 * worker-start check of those keys, in-process and through `baton worker` as a process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVerifyDecision } from '../../src/activities/governance/verify';
import type { BatonConfig } from '../../src/config';
import { checkDecisionKeys, decisionKeyProblems } from '../../src/config/decision-keys';
import type { VerifyDecisionInput } from '../../src/shared/activity-contract';
import { decisionSignature } from '../../src/shared/decision-signature';
import { signWithPython, signWithShell } from '../helpers/signing';

const ALICE_OLD = 'alice-old-key-0123456789abcdef0123456789';
const ALICE_NEW = 'alice-new-key-ß✓-0123456789abcdef012345678';
const SHARED = 'team-shared-key-0123456789abcdef0123456789';
const env = { ALICE_OLD_KEY: ALICE_OLD, ALICE_NEW_KEY: ALICE_NEW, BATON_DECISION_KEY: SHARED };

const config = (decisionKeys: NonNullable<BatonConfig['security']>['decisionKeys']): BatonConfig => ({
  providers: {},
  agents: {},
  agentModelEnv: {},
  commandAgents: {},
  prices: {},
  security: { signedDecisions: true, decisionKeys },
});

const ALICE_KEYS = {
  alice: [
    { id: 'a-2025', env: 'ALICE_OLD_KEY', expires: '2025-01-01T00:00:00Z' },
    { id: 'a-2026', env: 'ALICE_NEW_KEY' },
  ],
};
const verify = createVerifyDecision({ config: config(ALICE_KEYS), env });

const DIGEST = 'd'.repeat(64);
const base = { workflowId: 'wf-1', gate: 'spec#2', digest: DIGEST };

/** A decision for `base`, signed with `key` over the fields as given (then tampered with by `after`). */
function signed(
  key: string,
  decision: VerifyDecisionInput['decision'],
  signedAt = new Date().toISOString(),
  over: Partial<typeof base> = {},
): VerifyDecisionInput['decision'] {
  const fields = { ...base, ...over };
  const sig = decisionSignature(key, {
    ...fields,
    action: decision.action,
    by: decision.by,
    at: signedAt,
    ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
    ...(decision.changes !== undefined ? { changes: decision.changes } : {}),
  });
  return { ...decision, signedAt, sig };
}

const check = (decision: VerifyDecisionInput['decision']) => verify({ ...base, decision });
const alice = { action: 'approve', by: 'alice', comment: 'looks "good" \\ ok' };

describe('verifyDecision: valid signatures', () => {
  it('accepts a decision signed with the user key it names, and with any current key unnamed', async () => {
    await expect(check({ ...signed(ALICE_NEW, alice), keyId: 'a-2026' })).resolves.toEqual({
      ok: true,
      keyId: 'a-2026',
    });
    await expect(check(signed(ALICE_NEW, alice))).resolves.toEqual({ ok: true, keyId: 'a-2026' });
  });

  it('accepts the shared key (id "shared") for any user', async () => {
    const bob = { action: 'reject', by: 'bob' };
    await expect(check({ ...signed(SHARED, bob), keyId: 'shared' })).resolves.toEqual({
      ok: true,
      keyId: 'shared',
    });
    await expect(check(signed(SHARED, bob))).resolves.toEqual({ ok: true, keyId: 'shared' });
  });

  it('accepts a modify signed by the Python script in docs/signing.md (changes, non-ASCII, quotes)', async () => {
    const decision = {
      phase: 'spec',
      action: 'modify',
      by: 'alice',
      comment: 'zurück: "more" tests ✓',
      changes: { zeta: 1, alpha: { b: [1, 'two', null, true], a: 'ünïcode' } },
    };
    const payload = await signWithPython({ decision, ...base, key: ALICE_NEW, keyId: 'a-2026' });
    expect(payload).toMatchObject({ gate: 'spec#2', digest: DIGEST, keyId: 'a-2026' });
    const result = await check(payload as VerifyDecisionInput['decision']);
    expect(result).toEqual({ ok: true, keyId: 'a-2026' });
  });

  it('accepts a decision signed by the shell recipe in docs/signing.md (jq and openssl)', async () => {
    const payload = await signWithShell({
      ...base,
      key: SHARED,
      by: 'carol',
      action: 'approve',
      decision: {},
    });
    expect(payload).toMatchObject({ phase: 'spec', gate: 'spec#2', by: 'carol' });
    await expect(check(payload as VerifyDecisionInput['decision'])).resolves.toEqual({
      ok: true,
      keyId: 'shared',
    });
  });
});

describe('verifyDecision: bad inputs', () => {
  const reasonOf = async (decision: VerifyDecisionInput['decision'], input: Partial<typeof base> = {}) => {
    const result = await verify({ ...base, ...input, decision });
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    for (const key of [ALICE_OLD, ALICE_NEW, SHARED]) expect(reason).not.toContain(key);
    return reason;
  };

  it('refuses a decision without sig as unsigned', async () => {
    expect(await reasonOf(alice)).toMatch(/^unsigned: .*security\.signedDecisions/);
  });

  it.each([
    ['action', { ...signed(ALICE_NEW, alice), action: 'reject' }, {}],
    ['by', { ...signed(ALICE_NEW, alice), by: 'mallory' }, {}],
    ['comment', { ...signed(ALICE_NEW, alice), comment: 'looks good' }, {}],
    ['changes', { ...signed(ALICE_NEW, { ...alice, changes: { n: 1 } }), changes: { n: 2 } }, {}],
    ['signedAt', { ...signed(ALICE_NEW, alice), signedAt: new Date(Date.now() - 1000).toISOString() }, {}],
    ['gate', signed(ALICE_NEW, alice), { gate: 'spec#3' }],
    ['digest', signed(ALICE_NEW, alice), { digest: 'e'.repeat(64) }],
    ['workflowId', signed(ALICE_NEW, alice), { workflowId: 'wf-2' }],
  ])('refuses a signature after %s was changed', async (_field, decision, input) => {
    // Changing `by` changes whose keys are tried: mallory has only the shared one.
    expect(await reasonOf(decision, input)).toMatch(/^bad signature: .*\(tried ("a-2026", )?"shared"\)/);
  });

  it('refuses a signature made with a key the worker does not have, naming the key ids tried', async () => {
    const reason = await reasonOf({ ...signed('x'.repeat(40), alice), keyId: 'a-2026' });
    expect(reason).toMatch(/^bad signature: it matches no key of alice .*\(tried "a-2026"\)/);
  });

  it('refuses a key past its expiry, saying which key and when', async () => {
    const reason = await reasonOf({ ...signed(ALICE_OLD, alice), keyId: 'a-2025' });
    expect(reason).toBe(
      'expired key: key "a-2025" of alice expired at 2025-01-01T00:00:00Z; sign with a current key ("a-2026", "shared")',
    );
  });

  it('refuses a user whose every key expired', async () => {
    const only = createVerifyDecision({
      config: config({ alice: [{ id: 'a-2025', env: 'ALICE_OLD_KEY', expires: '2025-01-01T00:00:00Z' }] }),
      env: { ALICE_OLD_KEY: ALICE_OLD },
    });
    const result = await only({ ...base, decision: signed(ALICE_OLD, alice) });
    expect(result).toEqual({
      ok: false,
      reason: 'expired key: every key of alice has expired ("a-2025" at 2025-01-01T00:00:00Z)',
    });
  });

  it('refuses a keyId that is not a key of the user, listing the user’s key ids', async () => {
    const reason = await reasonOf({ ...signed(ALICE_NEW, alice), keyId: 'b-1' });
    expect(reason).toBe(
      'unknown key: "b-1" is not a key of alice on this worker; alice\'s keys: "a-2025", "a-2026", "shared"',
    );
  });

  it.each([
    ['upper-case hex', (s: string) => s.toUpperCase()],
    ['too short', (s: string) => s.slice(0, 62)],
    ['not hex', (s: string) => `${s.slice(0, 63)}g`],
    ['base64', (s: string) => Buffer.from(s, 'hex').toString('base64')],
  ])('refuses a sig encoded as %s', async (_name, encode) => {
    const good = signed(ALICE_NEW, alice);
    const reason = await reasonOf({ ...good, sig: encode(good.sig as string) });
    expect(reason).toBe('bad signature: sig is not an HMAC-SHA256 as 64 lowercase hex digits');
  });

  it('refuses a signed decision without signedAt, or with an unreadable one', async () => {
    const { signedAt: _at, ...withoutAt } = signed(ALICE_NEW, alice);
    expect(await reasonOf(withoutAt)).toMatch(/^missing signedAt: a signed decision carries signedAt/);
    expect(await reasonOf({ ...withoutAt, signedAt: 'yesterday' })).toMatch(
      /^missing signedAt: "yesterday" is not an ISO 8601 time/,
    );
  });

  it('refuses signedAt more than 5 minutes ahead, and accepts a little skew', async () => {
    const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(await reasonOf(signed(ALICE_NEW, alice, ahead))).toMatch(
      /^signedAt is in the future: .* 10 minutes ahead of the worker's clock \(at most 5 minutes of skew\)/,
    );
    const skewed = new Date(Date.now() + 2 * 60_000).toISOString();
    await expect(check(signed(ALICE_NEW, alice, skewed))).resolves.toMatchObject({ ok: true });
  });

  it('refuses signedAt older than 24 hours', async () => {
    const old = new Date(Date.now() - 25 * 3_600_000).toISOString();
    expect(await reasonOf(signed(ALICE_NEW, alice, old))).toMatch(
      /^signedAt is too old: .* 25 hours ago \(at most 24 hours\); sign the decision again/,
    );
  });

  it('refuses a user with no key on a worker without a shared key', async () => {
    const noShared = createVerifyDecision({ config: config(ALICE_KEYS), env: { ALICE_NEW_KEY: ALICE_NEW } });
    const result = await noShared({ ...base, decision: signed(SHARED, { action: 'approve', by: 'bob' }) });
    expect(result).toEqual({
      ok: false,
      reason:
        'bad signature: no key to check it with: bob has no key in security.decisionKeys and the worker has no BATON_DECISION_KEY',
    });
  });
});

describe('the worker checks its decision keys at start', () => {
  const keys = { alice: [{ id: 'a-1', env: 'ALICE_KEY' }] };

  it('is content with usable keys', () => {
    expect(decisionKeyProblems(config(keys), { ALICE_KEY: ALICE_NEW })).toEqual([]);
    expect(decisionKeyProblems(config({}), { BATON_DECISION_KEY: SHARED })).toEqual([]);
  });

  it.each([
    ['unset', {}, 'security.decisionKeys.alice[0].env: ALICE_KEY is not set in the worker'],
    ['short', { ALICE_KEY: 'short' }, 'ALICE_KEY is 5 characters; a decision key is at least 32'],
    ['ending in a newline', { ALICE_KEY: `${ALICE_NEW}\n` }, 'ALICE_KEY starts or ends with whitespace'],
    [
      'holding a control character',
      { ALICE_KEY: `${ALICE_NEW}\u0007x` },
      'ALICE_KEY holds control characters',
    ],
  ])('refuses a key variable that is %s', (_name, environment, message) => {
    const problems = decisionKeyProblems(config(keys), environment);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('refuses a short shared key, a user key named "shared", a doubled id, and signing with no key', () => {
    expect(decisionKeyProblems(config({}), { BATON_DECISION_KEY: 'abc' })).toEqual([
      'BATON_DECISION_KEY is 3 characters; a decision key is at least 32 (make one with `openssl rand -hex 32`); fix it or unset it',
    ]);
    const twice = {
      alice: [
        { id: 'shared', env: 'K' },
        { id: 'shared', env: 'K' },
      ],
    };
    expect(decisionKeyProblems(config(twice), { K: ALICE_NEW })).toEqual([
      'security.decisionKeys.alice[0].id: "shared" is the id of BATON_DECISION_KEY; give this key another id',
      'security.decisionKeys.alice[1].id: "shared" is the id of BATON_DECISION_KEY; give this key another id',
      'security.decisionKeys.alice[1].id: "shared" is used twice for alice; each key of a user needs its own id',
    ]);
    expect(() => checkDecisionKeys(config({}), {})).toThrow(
      /security\.signedDecisions is on, but there is no key to verify with: set BATON_DECISION_KEY or security\.decisionKeys/,
    );
  });

  it('`baton worker` exits at start, naming the unset key variable, before it connects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-keys-'));
    const file = join(dir, 'baton.config.json');
    await writeFile(file, JSON.stringify({ security: { signedDecisions: true, decisionKeys: keys } }));
    const bin = fileURLToPath(new URL('../../src/client/bin.ts', import.meta.url));
    const { ALICE_KEY: _unset, BATON_DECISION_KEY: _shared, ...rest } = process.env;
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', bin, 'worker'], {
      // Nothing listens on port 1: had the check come after connecting, the error would differ.
      env: { ...rest, BATON_CONFIG: file, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain(`The worker's decision keys are not usable (${file})`);
    expect(failed?.stderr).toContain(
      "security.decisionKeys.alice[0].env: ALICE_KEY is not set in the worker's environment; export it before starting the worker",
    );
  }, 90_000);
});

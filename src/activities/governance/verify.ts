/**
 * Local activity `verifyDecision`: checks a decision's `sig` with the worker's keys before the run
 * applies it (docs/signing.md). Keys stay here: the run sends the decision and the gate it is for,
 * and gets back only which key matched or why none did.
 */
import { timingSafeEqual } from 'node:crypto';
import { SHARED_KEY_ENV } from '../../config/decision-keys';
import type { VerifyDecisionInput, VerifyDecisionResult } from '../../shared/activity-contract';
import { decisionSignature, keyProblem, SHARED_KEY_ID } from '../../shared/decision-signature';
import { HEX64 } from '../../shared/governance';
import type { GovernanceDeps } from './index';

/** How far ahead of the worker's clock `signedAt` may be: clocks drift, a little. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** How old a signature may be: a decision signed and kept for later is refused after this. */
const MAX_SIGNATURE_AGE_MS = 24 * 60 * 60_000;

interface Key {
  id: string;
  /** The key's text; absent when its variable is unusable (the worker start reports that). */
  secret?: string;
  expires?: string;
}

/** The keys `by` may sign with: their own from the config, then the shared one. */
function keysOf(deps: GovernanceDeps, by: string): Key[] {
  const env = deps.env ?? {};
  const readKey = (name: string) => (keyProblem(name, env[name]) ? undefined : env[name]);
  const own = (deps.config?.security?.decisionKeys?.[by] ?? []).map((k) => ({
    id: k.id,
    secret: readKey(k.env),
    ...(k.expires ? { expires: k.expires } : {}),
  }));
  const shared = readKey(SHARED_KEY_ENV);
  return shared ? [...own, { id: SHARED_KEY_ID, secret: shared }] : own;
}

const ids = (keys: Key[]) => (keys.length ? keys.map((k) => `"${k.id}"`).join(', ') : 'none');

function matches(key: Key, sig: string, text: Parameters<typeof decisionSignature>[1]): boolean {
  if (!key.secret) return false;
  const expected = Buffer.from(decisionSignature(key.secret, text), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
}

/** Why `signedAt` cannot be trusted at `now`, or undefined when it is fine. */
function clockProblem(signedAt: string | undefined, now: number): string | undefined {
  if (signedAt === undefined)
    return 'missing signedAt: a signed decision carries signedAt, the ISO 8601 time it was signed (the "at" it signs)';
  const at = Date.parse(signedAt);
  if (!Number.isFinite(at))
    return `missing signedAt: ${JSON.stringify(signedAt)} is not an ISO 8601 time such as 2026-12-02T10:00:00Z`;
  if (at - now > CLOCK_SKEW_MS)
    return `signedAt is in the future: ${signedAt} is ${Math.round((at - now) / 60_000)} minutes ahead of the worker's clock (at most 5 minutes of skew); check the signer's clock`;
  if (now - at > MAX_SIGNATURE_AGE_MS)
    return `signedAt is too old: ${signedAt} is ${Math.round((now - at) / 3_600_000)} hours ago (at most 24 hours); sign the decision again`;
  return undefined;
}

const expired = (key: Key, now: number) => key.expires !== undefined && Date.parse(key.expires) <= now;

/** Checks `sig` against the signer's keys at time `now` (ms). */
function verifySignature(
  deps: GovernanceDeps,
  input: VerifyDecisionInput,
  now: number,
): VerifyDecisionResult {
  const { decision } = input;
  const { by, sig, keyId } = decision;
  if (sig === undefined || sig === '')
    return {
      ok: false,
      reason: `unsigned: this worker requires signed decisions (security.signedDecisions); sign with the baton CLI and ${SHARED_KEY_ENV}, or see docs/signing.md`,
    };
  if (typeof sig !== 'string' || !HEX64.test(sig))
    return { ok: false, reason: 'bad signature: sig is not an HMAC-SHA256 as 64 lowercase hex digits' };
  const clock = clockProblem(decision.signedAt, now);
  if (clock) return { ok: false, reason: clock };
  const keys = keysOf(deps, by);
  const named = keyId === undefined ? undefined : keys.find((k) => k.id === keyId);
  if (keyId !== undefined && !named)
    return {
      ok: false,
      reason: `unknown key: "${keyId}" is not a key of ${by} on this worker; ${by}'s keys: ${ids(keys)}`,
    };
  if (named && expired(named, now))
    return {
      ok: false,
      reason: `expired key: key "${named.id}" of ${by} expired at ${named.expires}; sign with a current key (${ids(keys.filter((k) => !expired(k, now)))})`,
    };
  if (keys.length === 0)
    return {
      ok: false,
      reason: `bad signature: no key to check it with: ${by} has no key in security.decisionKeys and the worker has no ${SHARED_KEY_ENV}`,
    };
  const candidates = named ? [named] : keys.filter((k) => !expired(k, now));
  if (candidates.length === 0)
    return {
      ok: false,
      reason: `expired key: every key of ${by} has expired (${keys.map((k) => `"${k.id}" at ${k.expires}`).join(', ')})`,
    };
  const text = {
    workflowId: input.workflowId,
    gate: input.gate,
    action: decision.action,
    by,
    digest: input.digest,
    at: decision.signedAt as string,
    ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
    ...(decision.changes !== undefined ? { changes: decision.changes } : {}),
  };
  const match = candidates.find((key) => matches(key, sig, text));
  if (match) return { ok: true, keyId: match.id };
  return {
    ok: false,
    reason: `bad signature: it matches no key of ${by} for this decision at gate ${input.gate} (tried ${ids(candidates)}); it was made with another key, or for another gate, digest, action or text`,
  };
}

/** The activity: verifies at the worker's current time. */
export function createVerifyDecision(deps: GovernanceDeps) {
  return async (input: VerifyDecisionInput): Promise<VerifyDecisionResult> =>
    verifySignature(deps, input, Date.now());
}

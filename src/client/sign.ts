/**
 * Signing a decision on the sender's side (docs/signing.md): the key comes from
 * `BATON_DECISION_KEY` (id from `BATON_DECISION_KEY_ID`, default `shared`), and the signature
 * covers the gate and digest the sender saw, so it cannot be moved to another gate or replayed
 * after the phase ran again.
 */
import { z } from 'zod';
import { SHARED_KEY_ENV } from '../config/decision-keys';
import { decisionSignature, keyProblem, SHARED_KEY_ID } from '../shared/decision-signature';
import type { Decision } from '../shared/messages';
import type { Env } from '../config';
import { BatonError } from './errors';

export const KEY_ID_ENV = 'BATON_DECISION_KEY_ID';

/** A key to sign with: its id (the worker finds the key by it) and its text. */
export const SigningKeySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 letters, digits, ".", "_" or "-"'),
  key: z.string().superRefine((key, ctx) => {
    const problem = keyProblem('the key', key);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});
export type SigningKey = z.infer<typeof SigningKeySchema>;

/**
 * The key the environment configures, or undefined when none is set. A bad value is an error
 * here, before anything is sent: a decision signed with a broken key would only be ignored later.
 */
export function signingKeyFromEnv(env: Env): SigningKey | undefined {
  const key = env[SHARED_KEY_ENV];
  const id = env[KEY_ID_ENV];
  if (key === undefined || key === '') {
    if (id !== undefined && id !== '')
      throw new BatonError(
        `${KEY_ID_ENV}=${JSON.stringify(id)} is set but ${SHARED_KEY_ENV} is not; export the key too, or unset ${KEY_ID_ENV}.`,
      );
    return undefined;
  }
  const problem = keyProblem(SHARED_KEY_ENV, key);
  if (problem) throw new BatonError(`${problem}; fix it, or unset it to send unsigned decisions.`);
  const parsed = SigningKeySchema.safeParse({ id: id || SHARED_KEY_ID, key });
  if (!parsed.success)
    throw new BatonError(
      `${KEY_ID_ENV}=${JSON.stringify(id)}: ${parsed.error.issues[0]?.message}; use the id the worker's security.decisionKeys gives your key, or unset it for "${SHARED_KEY_ID}".`,
    );
  return parsed.data;
}

/** What the signature is bound to: the run and the gate as the sender saw it. */
export interface SignTarget {
  workflowId: string;
  gate: string;
  digest: string;
}

/** The decision with `signedAt` (now), `keyId` and `sig` set. */
export function signDecision(
  decision: Decision,
  target: SignTarget,
  signingKey: SigningKey,
  now: Date = new Date(),
): Decision {
  const signedAt = now.toISOString();
  // The run trims `by` when it parses the decision; sign what it will check.
  const by = decision.by.trim();
  const sig = decisionSignature(signingKey.key, {
    ...target,
    action: decision.action,
    by,
    at: signedAt,
    ...(decision.comment !== undefined ? { comment: decision.comment } : {}),
    ...(decision.changes !== undefined ? { changes: decision.changes } : {}),
  });
  return { ...decision, by, gate: target.gate, digest: target.digest, signedAt, keyId: signingKey.id, sig };
}

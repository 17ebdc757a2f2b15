/**
 * The key `baton serve` signs a user's decisions with (docs/signing.md): the user's own, from
 * `security.decisionKeys.<user>` (the first listed that is unexpired and whose variable is set on
 * the server), else the shared `BATON_DECISION_KEY`, else none.
 */
import type { BatonConfig, Env } from '../../config';
import { signingKeyFromEnv, type SigningKey } from '../../client/sign';
import { keyProblem } from '../../shared/decision-signature';

export type SecuritySettings = NonNullable<BatonConfig['security']>;

export function userSigningKey(
  user: string,
  security: SecuritySettings | undefined,
  env: Env,
  now: Date = new Date(),
): SigningKey | undefined {
  for (const key of security?.decisionKeys[user] ?? []) {
    if (key.expires !== undefined && Date.parse(key.expires) <= now.getTime()) continue;
    const text = env[key.env];
    if (text !== undefined && keyProblem(key.env, text) === undefined) return { id: key.id, key: text };
  }
  return signingKeyFromEnv(env);
}

/**
 * The worker's decision keys (issue 10): `security.decisionKeys` names, per user, the environment
 * variables that hold each key, and `BATON_DECISION_KEY` is the shared one. Only the worker checks
 * them, at start: the client signs with its own key and need not hold anyone else's.
 */
import { keyProblem, SHARED_KEY_ID } from '../shared/decision-signature';
import { ConfigError } from './errors';
import type { BatonConfig, Env } from './schema';

/** The env variable of the shared key (key id `shared`), on the worker and on the client. */
export const SHARED_KEY_ENV = 'BATON_DECISION_KEY';

/**
 * Every problem with the keys this worker would verify with: a named variable that is unset or
 * unusable, a shared key that is set but unusable, a per-user key named `shared`, and signing on
 * with no key at all (every decision would then be refused).
 */
export function decisionKeyProblems(config: BatonConfig, env: Env): string[] {
  const problems: string[] = [];
  const users = config.security?.decisionKeys ?? {};
  for (const [user, keys] of Object.entries(users)) {
    const seen = new Set<string>();
    keys.forEach((key, i) => {
      const at = `security.decisionKeys.${user}[${i}]`;
      if (key.id === SHARED_KEY_ID)
        problems.push(
          `${at}.id: "${SHARED_KEY_ID}" is the id of ${SHARED_KEY_ENV}; give this key another id`,
        );
      if (seen.has(key.id))
        problems.push(`${at}.id: "${key.id}" is used twice for ${user}; each key of a user needs its own id`);
      seen.add(key.id);
      const problem = keyProblem(key.env, env[key.env]);
      if (problem)
        problems.push(
          `${at}.env: ${problem} in the worker's environment; export it before starting the worker`,
        );
    });
  }
  const shared = env[SHARED_KEY_ENV];
  if (shared !== undefined && shared !== '') {
    const problem = keyProblem(SHARED_KEY_ENV, shared);
    if (problem) problems.push(`${problem}; fix it or unset it`);
  }
  const anyKey = Object.keys(users).length > 0 || (shared !== undefined && shared !== '');
  if (config.security?.signedDecisions && !anyKey)
    problems.push(
      `security.signedDecisions is on, but there is no key to verify with: set ${SHARED_KEY_ENV} or security.decisionKeys`,
    );
  return problems;
}

/** Throws a ConfigError listing every key problem, so a worker never starts unable to verify. */
export function checkDecisionKeys(config: BatonConfig, env: Env): void {
  const problems = decisionKeyProblems(config, env);
  if (problems.length === 0) return;
  const where = config.file ? ` (${config.file})` : '';
  throw new ConfigError(
    `The worker's decision keys are not usable${where}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
}

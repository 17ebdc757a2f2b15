import type { VerifyDecisionInput, VerifyDecisionResult } from '../../shared/activity-contract';
import type { GovernanceDeps } from './index';

/**
 * CONTRACT (issue 10): checks `sig` against the signer's keys (config `security.decisionKeys`,
 * shared `BATON_DECISION_KEY` as key id `shared`), their expiry, and `signedAt`. The signing
 * helper owns this file.
 */
export function createVerifyDecision(deps: GovernanceDeps) {
  void deps;
  return async (input: VerifyDecisionInput): Promise<VerifyDecisionResult> => {
    return input.decision.sig === undefined
      ? { ok: false, reason: 'unsigned' }
      : { ok: false, reason: 'bad signature: verification is not implemented yet' };
  };
}

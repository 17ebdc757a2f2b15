/**
 * Decisions from the console: always as the logged-in user (`principal.user`), never a `by` the
 * browser sent, and bound to the gate the page showed (its id and digest). `mayDecide` says whether
 * the user may decide a gate, so the page can disable its buttons; the POST checks it again.
 */
import type { BatonApi } from '../../client/api';
import type { DecideOutcome } from '../../client/api-schemas';
import { allowedBy, type Roles } from '../../shared/governance';
import type { DecisionAction } from '../../shared/messages';
import type { OpenGate } from '../../shared/status';
import type { Principal } from '../principal';

/** Undefined when the user may decide the gate, else why not (shown next to the disabled buttons). */
export function mayDecide(principal: Principal | undefined, gate: OpenGate, roles: Roles): string | undefined {
  if (!principal) return 'Log in to decide.';
  if (!gate.approvers) return undefined;
  if (allowedBy(gate.approvers, roles, principal.user)) return undefined;
  const who = gate.approverNames?.length ? gate.approverNames.join(', ') : [...gate.approvers.users, ...gate.approvers.roles.map((r) => `role ${r}`)].join(', ');
  return `${principal.user} is not an approver of this gate; it is decided by ${who || 'nobody yet'}.`;
}

export interface ConsoleDecision {
  gate: OpenGate;
  action: DecisionAction;
  comment?: string;
  changes?: Record<string, unknown>;
}

/** Sends one decision as the user, as the `decide` update (the run validates it and answers). */
export function decideAs(api: BatonApi, principal: Principal, id: string, d: ConsoleDecision): Promise<DecideOutcome> {
  return api.decide({
    id,
    decision: {
      phase: d.gate.phase,
      gate: d.gate.id,
      ...(d.gate.digest ? { digest: d.gate.digest } : {}),
      action: d.action,
      by: principal.user,
      ...(d.comment ? { comment: d.comment } : {}),
      ...(d.changes ? { changes: d.changes } : {}),
    },
    via: 'update',
  });
}

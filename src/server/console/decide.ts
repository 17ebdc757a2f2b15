/**
 * Decisions from the console, through `decideAs` (src/server/decide-as.ts): always as the logged-in
 * user (`principal.user`), never a `by` the browser sent, checked against the gate's approvers and
 * signed with the user's key when signing is on. `refusalOf` is why the user may not decide a gate,
 * so the page can disable its buttons; the POST is checked again by decideAs (403).
 */
import type { BatonApi } from '../../client/api';
import type { DecisionAction } from '../../shared/messages';
import type { OpenGate } from '../../shared/status';
import { decideAs, gateApprovers, mayDecide, type DecideAsResult, type DecideAsSettings } from '../decide-as';
import type { Principal } from '../principal';

export type { DecideAsSettings };

/** Undefined when the user may decide the gate, else why not (shown next to the disabled buttons). */
export function refusalOf(principal: Principal | undefined, gate: OpenGate, settings: DecideAsSettings): string | undefined {
  if (!principal) return 'Log in to decide.';
  if (mayDecide(principal, gate, settings.roles)) return undefined;
  const who = gateApprovers(gate, settings.roles);
  return `${principal.user} is not an approver of this gate; it is decided by ${who.length ? who.join(', ') : 'no one yet'}.`;
}

export interface ConsoleDecision {
  gate: OpenGate;
  action: DecisionAction;
  comment?: string;
  changes?: Record<string, unknown>;
}

/** Sends one decision as the user; `already-decided` when someone decided the gate meanwhile. */
export function decideAsUser(
  api: BatonApi,
  principal: Principal,
  id: string,
  d: ConsoleDecision,
  settings: DecideAsSettings,
): Promise<DecideAsResult> {
  return decideAs(
    api,
    principal,
    {
      id,
      gate: d.gate.id,
      action: d.action,
      ...(d.comment ? { comment: d.comment } : {}),
      ...(d.changes ? { changes: d.changes } : {}),
    },
    settings,
  );
}

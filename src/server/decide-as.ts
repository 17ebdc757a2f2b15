/**
 * A decision made by an authenticated person, the one way the REST API, the console and MCP
 * decide a gate. The gate is found in the run's status (by id or by phase), the person is checked
 * against its approvers, and the decision is sent as `principal.user` (never a caller's `by`),
 * signed with that user's key when the config turns signing on.
 */
import type { BatonApi } from '../client/api';
import { BatonError, DecisionRejectedError } from '../client/errors';
import { signDecision } from '../client/sign';
import type { Env } from '../config';
import { allowedBy, approverNames, type Roles } from '../shared/governance';
import type { Decision, DecisionAction } from '../shared/messages';
import type { DecisionRecord, OpenGate, RunStatus } from '../shared/status';
import { userSigningKey, type SecuritySettings } from './auth/decision-key';
import type { Principal } from './principal';

export interface DecideAsInput {
  /** The run id. */
  id: string;
  /** The gate (`<phase>#<n>`); or `phase` for the phase's open gate. */
  gate?: string;
  phase?: string;
  action: DecisionAction;
  comment?: string;
  changes?: Record<string, unknown>;
}

export interface DecideAsSettings {
  /** `roles` from the server's config. */
  roles: Roles;
  /** `security` from the server's config: signing on, and each user's keys. */
  security?: SecuritySettings;
  /** Where the keys are read (default: process.env). */
  env?: Env;
}

export type DecideAsResult =
  | { outcome: 'decided'; gate: string; phase: string; action: DecisionAction; by: string; signed: boolean }
  | { outcome: 'already-decided'; gate: string; decision: DecisionRecord };

/** The person may not decide this gate (HTTP 403). */
export class ForbiddenError extends BatonError {
  override name = 'ForbiddenError';
  constructor(
    readonly user: string,
    readonly gate: string,
    /** Who may decide it: the approvers' names, as the worker resolved them. */
    readonly approvers: string[],
  ) {
    super(
      `${user} may not decide gate ${gate}: its approvers are ${approvers.length ? approvers.join(', ') : 'no one'}`,
      {
        hint: "Ask one of them to decide, or an admin to add you to one of the gate's roles in baton.config.",
      },
    );
  }
}

/** No open gate matches, and none was decided (HTTP 404). */
export class GateNotFoundError extends BatonError {
  override name = 'GateNotFoundError';
}

/** Who may decide a gate, resolved through the worker's roles, else the server's. */
export const gateApprovers = (gate: OpenGate, roles: Roles): string[] =>
  gate.approverNames ?? (gate.approvers ? approverNames(gate.approvers, roles) : []);

/** True when the person may decide the gate: it has no approvers, or they are one. */
export function mayDecide(principal: Principal, gate: OpenGate, roles: Roles): boolean {
  if (!gate.approvers) return true;
  return (
    allowedBy(gate.approvers, roles, principal.user) !== undefined ||
    (gate.approverNames ?? []).includes(principal.user)
  );
}

const target = (input: DecideAsInput) => input.gate ?? input.phase;

function openGate(status: RunStatus, input: DecideAsInput): OpenGate | undefined {
  return status.gates.find((g) => (input.gate !== undefined ? g.id === input.gate : g.phase === input.phase));
}

/** The latest decision of the gate (or, by phase, of the phase's latest gate). */
function decisionOf(status: RunStatus, input: DecideAsInput): DecisionRecord | undefined {
  return [...status.decisions]
    .reverse()
    .find((d) => (input.gate !== undefined ? d.gate === input.gate : d.phase === input.phase));
}

const alreadyDecided = (decision: DecisionRecord, input: DecideAsInput): DecideAsResult => ({
  outcome: 'already-decided',
  gate: decision.gate ?? target(input) ?? decision.phase,
  decision,
});

export async function decideAs(
  api: BatonApi,
  principal: Principal,
  input: DecideAsInput,
  settings: DecideAsSettings,
): Promise<DecideAsResult> {
  if (input.gate === undefined && input.phase === undefined)
    throw new GateNotFoundError('Say which gate to decide: gate (such as "spec#1") or phase.');
  const status = await api.status({ id: input.id });
  const gate = openGate(status, input);
  if (!gate) {
    const decided = decisionOf(status, input);
    if (decided) return alreadyDecided(decided, input);
    const open = status.gates.map((g) => g.id).join(', ') || 'none';
    throw new GateNotFoundError(
      `Run "${input.id}" has no open gate ${JSON.stringify(target(input))} (open gates: ${open}).`,
      {
        hint: `Read the run's status (GET /api/runs/${encodeURIComponent(input.id)}) for its open gates.`,
      },
    );
  }
  if (!mayDecide(principal, gate, settings.roles))
    throw new ForbiddenError(principal.user, gate.id, gateApprovers(gate, settings.roles));

  const decision: Decision = {
    phase: gate.phase,
    gate: gate.id,
    action: input.action,
    by: principal.user,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.changes !== undefined ? { changes: input.changes } : {}),
  };
  const signed = settings.security?.signedDecisions === true && gate.digest !== undefined;
  const key = signed
    ? userSigningKey(principal.user, settings.security, settings.env ?? process.env)
    : undefined;
  if (signed && !key)
    throw new BatonError(
      `The server has no key to sign ${principal.user}'s decision with, and signing is on.`,
      {
        hint: `Set the variable security.decisionKeys.${principal.user} names, or BATON_DECISION_KEY, in baton serve's environment.`,
      },
    );
  const sent = key
    ? signDecision(decision, { workflowId: input.id, gate: gate.id, digest: gate.digest! }, key)
    : decision;
  try {
    await api.decide({ id: input.id, decision: sent });
  } catch (error) {
    // Someone else decided it between the read and the send: that is their decision, not an error.
    if (!(error instanceof DecisionRejectedError)) throw error;
    const byId = { ...input, gate: gate.id };
    const now = await api.status({ id: input.id });
    const taken = openGate(now, byId) ? undefined : decisionOf(now, byId);
    if (taken) return alreadyDecided(taken, input);
    throw error;
  }
  return {
    outcome: 'decided',
    gate: gate.id,
    phase: gate.phase,
    action: input.action,
    by: principal.user,
    signed: key !== undefined,
  };
}

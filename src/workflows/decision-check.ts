import { GATE_ID, GATE_KINDS, type OpenGate } from '../shared/gate-kinds';
import type { AgentInputSchemas } from '../shared/input-schema';
import { DecisionSchema, fieldMessage, type Decision } from '../shared/messages';
import type { DecisionRecord, PhaseStatus, RunState } from '../shared/status';
import { allowedBy, approverNames, type GovernanceSettings } from '../shared/governance';

/** What the check reads of the run state. */
export interface DecisionScope {
  state: RunState;
  phases: ReadonlyMap<string, PhaseStatus>;
  /** Open gates by phase. */
  gates: ReadonlyMap<string, OpenGate>;
  /** Accepted decisions waiting for their gate, by phase. */
  inbox: ReadonlyMap<string, DecisionRecord>;
  /** How many gates each phase has opened so far. */
  opened: ReadonlyMap<string, number>;
  agentSchemas: AgentInputSchemas;
  /** Tasks of parallel phases, by `<phase>.<task>`: their gates take decisions too. */
  tasks?: ReadonlyMap<string, { agent: string; state: string }>;
  /** The run's governance settings (runs from before governance have none). */
  governance?: GovernanceSettings;
}

/**
 * Why a decision cannot be taken now, or undefined when it can. The `decide` validator refuses with
 * this reason; a signal is recorded as ignored with it.
 */
export function refusalOf(scope: DecisionScope, raw: unknown): string | undefined {
  const parsed = DecisionSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map(fieldMessage).join('; ');
  const decision = parsed.data;
  const { phase, gate: named } = decision;
  if (scope.state !== 'running') return `the run has ended (${scope.state}); it takes no more decisions`;
  const status = scope.phases.get(phase) ?? scope.tasks?.get(phase);
  if (!status) {
    const tasks = scope.tasks?.size ? `; tasks (<phase>.<task>): ${[...scope.tasks.keys()].join(', ')}` : '';
    return `phase "${phase}" is not in this run; phases are: ${[...scope.phases.keys()].join(', ')}${tasks}`;
  }
  const match = named === undefined ? undefined : GATE_ID.exec(named);
  if (named !== undefined && match?.[1] !== phase) return `gate ${named} is not a gate of phase "${phase}"`;
  // Opened gates are numbered from 1; a named gate at or below the count has been open once.
  const closed = match !== undefined && match !== null && Number(match[2]) <= (scope.opened.get(phase) ?? 0);
  const gate = scope.gates.get(phase);
  if (!gate) {
    const open = [...scope.gates.keys()];
    const where = `(it is ${status.state}); ${open.length ? `open gates: ${open.join(', ')}` : 'no gate is open now'}`;
    return named === undefined
      ? `phase "${phase}" has no open gate ${where}`
      : `gate ${named} ${closed ? 'has closed' : 'is not open'}; phase "${phase}" has no open gate ${where}`;
  }
  if (named !== undefined && named !== gate.id) {
    return `gate ${named} ${closed ? 'has closed' : 'is not open'}; the open gate of ${phase} is ${gate.id}`;
  }
  if (scope.inbox.has(phase)) return `the gate of "${phase}" has already been decided`;
  const kind = GATE_KINDS[gate.kind];
  if (!(kind.actions as readonly string[]).includes(decision.action)) {
    return `a ${gate.kind} gate takes ${kind.actions.join(', ')}, not ${decision.action}`;
  }
  const governed = scope.governance && governanceRefusal(scope.governance, gate, decision);
  if (governed) return governed;
  if (decision.action === 'modify') {
    return kind.refuseChanges(decision.changes ?? {}, {
      agent: status.agent,
      schema: scope.agentSchemas[status.agent],
    });
  }
  return undefined;
}

/**
 * The gate's own rules: who may decide, the digest the sender saw, the two-person rule, and a
 * signature when the run takes only signed decisions (its check comes later, in a local activity).
 */
function governanceRefusal(
  settings: GovernanceSettings,
  gate: OpenGate,
  decision: Decision,
): string | undefined {
  const { by, action } = decision;
  if (gate.approvers && allowedBy(gate.approvers, settings.roles, by) === undefined) {
    const people = approverNames(gate.approvers, settings.roles);
    const named = [
      ...(gate.approvers.roles.length ? [`roles ${gate.approvers.roles.join(', ')}`] : []),
      ...(gate.approvers.users.length ? [`users ${gate.approvers.users.join(', ')}`] : []),
    ].join('; ');
    return `not an approver: ${by} may not decide gate ${gate.id}; it takes decisions from ${named} (${people.length ? people.join(', ') : "nobody holds those roles in the worker's config"})`;
  }
  if (decision.digest !== undefined && gate.digest !== undefined && decision.digest !== gate.digest) {
    return `stale digest: the decision was made on what had digest ${decision.digest.slice(0, 12)}…, but gate ${gate.id} now shows ${gate.digest.slice(0, 12)}…; look at the gate again (baton status) and decide on what it shows`;
  }
  const needed = gate.minApprovals ?? 1;
  if (needed > 1) {
    const approvals = gate.approvals ?? [];
    if (action === 'approve' && approvals.some((a) => a.by === by)) {
      return `${by} has already approved gate ${gate.id}; it needs ${needed - approvals.length} more approval(s) from someone else (minApprovals ${needed})`;
    }
    if (action === 'skip') {
      return `gate ${gate.id} needs approvals from ${needed} different people (minApprovals ${needed}); skip would go around them: approve, or reject`;
    }
  }
  if (settings.signedDecisions && decision.sig === undefined) {
    return 'unsigned: this run takes only signed decisions (security.signedDecisions); sign it with the baton CLI and BATON_DECISION_KEY, or see docs/signing.md';
  }
  if (settings.signedDecisions && decision.signedAt === undefined) {
    return 'unsigned: a signed decision carries signedAt, the time it was signed (see docs/signing.md)';
  }
  return undefined;
}

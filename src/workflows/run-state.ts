import { ApplicationFailure } from '@temporalio/workflow';
import {
  phaseAgent,
  type ApprovalMode,
  type Definition,
  type Params,
  type Phase,
} from '../shared/definition';
import { gateId, type GateCommon, type GateKind, type GateShows, type OpenGate } from '../shared/gate-kinds';
import type { AgentInputSchemas } from '../shared/input-schema';
import { DecisionSchema, sanitizeSignalDecision, type Decision, type DecideResult } from '../shared/messages';
import {
  NO_USAGE,
  TERMINAL_PHASE_STATES,
  type DecisionRecord,
  type PhaseStatus,
  type RunState,
  type RunResult,
  type RunStatus,
} from '../shared/status';
import { createBudgetLedger } from './budget-ledger';
import { refusalOf } from './decision-check';
import { createDecisionLog } from './decision-log';
import { createWebUi, type RunView } from './web-ui';
import { createDecisionIntake } from './decision-intake';
import type { Governance, PendingSignal } from './governance';
import { FAILURES_KEPT, type Notifier } from './notifications';
import type { NotificationFailure } from '../shared/notifications';
import { withTimings } from './kinds/parallel/view';
import { BATON_FAILURES } from '../shared/failure-types';

const now = (): string => new Date().toISOString();

/**
 * The one state object of a `pipeline` run: phases, open gates and their inbox, with the budget
 * ledger, the decision log and the Web UI view as its parts. Message handlers are one line each
 * that call `status`, `signal`, `decide` or `validate` here.
 */
export function createRunState(
  definition: Definition,
  params: Params,
  approvalMode: ApprovalMode,
  template?: string,
) {
  const phases = new Map<string, PhaseStatus>(
    definition.phases.map((p) => [
      p.id,
      {
        id: p.id,
        title: p.title ?? p.id,
        agent: phaseAgent(p),
        needs: p.needs,
        state: 'pending',
        attempts: 0,
        runs: 0,
        usage: NO_USAGE,
      },
    ]),
  );
  const failedNotifications: NotificationFailure[] = [];
  /** Open gates, by phase: a phase has at most one open at a time. */
  const gates = new Map<string, OpenGate>();
  /** Accepted decisions waiting for their gate to apply them. */
  const inbox = new Map<string, DecisionRecord>();
  /** How many gates each phase has had: gate ids are `<phase>#<n>`. */
  const opened = new Map<string, number>();
  /** The worker's agents' input schemas (none in runs recorded before workers served them). */
  let agentSchemas: AgentInputSchemas = {};
  const agentsWithoutLlm: string[] = [];
  const startedAt = now();
  let state: RunState = 'running';
  let endedAt: string | undefined;
  let reason: string | undefined;
  let result: RunResult | undefined;
  const ledger = createBudgetLedger(definition);
  const log = createDecisionLog();
  const ui = createWebUi();

  const phase = (id: string): PhaseStatus => phases.get(id) as PhaseStatus;
  const progress = () => {
    const total = phases.size;
    const done = [...phases.values()].filter(
      (p) => p.state === 'done' || p.state === 'skipped' || p.state === 'failed-handled',
    ).length;
    return { done, total, percent: total ? Math.round((done / total) * 100) : 100 };
  };
  /** `waiting` is derived: the run is running with at least one gate open. */
  const currentState = (): RunState => (state === 'running' && gates.size > 0 ? 'waiting' : state);
  const view = (): RunView => ({
    name: definition.name,
    state: currentState(),
    gates: [...gates.values()],
    progress: progress(),
    reason,
  });
  const publish = () => ui.publish(view());
  /** Tasks of parallel phases whose gates take decisions, by `<phase>.<task>`. */
  const tasks = new Map<string, { agent: string; state: string }>();
  /** Set at the start of runs with governance (issue 10); undefined in runs from before it. */
  let governance: Governance | undefined;
  const refusal = (raw: unknown) =>
    refusalOf(
      { state, phases, gates, inbox, opened, agentSchemas, tasks, governance: governance?.settings },
      raw,
    );
  const intake = createDecisionIntake({
    gates,
    inbox,
    log,
    publish,
    refusal,
    governance: () => governance,
    ended: () => endedAt !== undefined,
  });
  const { accept, ignore, verifyFor } = intake;

  return {
    definition,
    params,
    approvalMode,
    /** The template the run came from, else its definition's name: what metrics and notifications name. */
    templateName: template ?? definition.name,
    ledger,
    phase,
    now,
    publish,
    get stopped() {
      return state === 'rejected' || state === 'failed' || state === 'cancelled';
    },
    status: (): RunStatus => ({
      name: definition.name,
      template,
      approvalMode,
      state: currentState(),
      startedAt,
      endedAt,
      reason,
      phases: [...phases.values()].map((p) =>
        p.parallel ? { ...p, parallel: withTimings(p.parallel, Date.now()) } : p,
      ),
      gates: [...gates.values()],
      progress: progress(),
      decisions: log.decisions,
      decisionsDropped: log.dropped,
      ignoredSignals: log.ignored,
      usage: ledger.usage,
      budget: ledger.budget,
      agentsWithoutLlm,
      ...(result ? { result } : {}),
      ...(failedNotifications.length ? { notificationFailures: [...failedNotifications] } : {}),
    }),
    /** Where the run's work is; `status` shows it. */
    setResult(next: RunResult): void {
      result = next;
      publish();
    },

    /** Signal `approval`: a signal cannot be refused, only ignored with its reason; nothing here may throw. */
    signal(payload: unknown): void {
      try {
        const { payload: cleaned, sanitized } = sanitizeSignalDecision(payload);
        const why = refusal(cleaned);
        const parsed = DecisionSchema.safeParse(cleaned);
        if (why || !parsed.success) ignore(payload, why ?? 'not a decision');
        // A signed decision waits for its signature check (verifySignals) before it counts.
        else if (governance?.settings.signedDecisions)
          governance.verifying.push({ decision: parsed.data, sanitized, payload } satisfies PendingSignal);
        // Only the decision's own fields are kept, whatever else the sender put in the payload.
        else accept(parsed.data, 'signal', sanitized);
      } catch (error) {
        ignore('(unreadable)', `could not read the signal: ${String(error)}`);
      }
    },
    verifySignals: intake.verifySignals,
    /** Update `decide`'s validator: refuses, with the reason, what `signal` would ignore. */
    validate(decision: unknown): void {
      const why = refusal(decision);
      if (why) throw new Error(why);
    },
    /** Update `decide`, once validated; a signed decision's signature is checked first. */
    async decide(decision: Decision): Promise<DecideResult> {
      const parsed = DecisionSchema.safeParse(decision);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable('not a decision', BATON_FAILURES.BadDecision);
      const gateId = parsed.data.gate ?? gates.get(parsed.data.phase)?.id;
      let verified: { keyId: string } | undefined;
      if (governance?.settings.signedDecisions) {
        const result = await verifyFor(parsed.data);
        const after = result.ok ? refusal(parsed.data) : result.reason;
        if (after || !result.ok) {
          ignore(parsed.data, after ?? 'refused', 'update');
          throw ApplicationFailure.nonRetryable(after ?? 'refused', BATON_FAILURES.BadDecision);
        }
        verified = { keyId: result.keyId };
      }
      const approvals = accept(parsed.data, 'update', [], verified);
      const gate = inbox.get(parsed.data.phase)?.gate ?? gateId;
      return {
        accepted: true as const,
        phase: parsed.data.phase,
        ...(gate ? { gate } : {}),
        action: parsed.data.action,
        ...(approvals ? { approvals } : {}),
      };
    },
    /** Notifications for this run (runs with `patched(NOTIFICATIONS)`). */
    notifier: undefined as Notifier | undefined,
    /** A notification that could not be delivered: `status` keeps the latest few. */
    notificationFailed(failure: NotificationFailure): void {
      failedNotifications.push(failure);
      if (failedNotifications.length > FAILURES_KEPT) failedNotifications.shift();
      publish();
    },
    /** Gate governance for this run (runs with `patched(GOVERNANCE)`). */
    setGovernance(next: Governance): void {
      governance = next;
    },
    get governance(): Governance | undefined {
      return governance;
    },

    /** What phase inputs bind: the run's params and every phase's output so far. */
    bindings: () => ({
      params,
      phases: Object.fromEntries(definition.phases.map((p) => [p.id, { output: phase(p.id).output }])),
    }),
    /** The id the phase's next gate gets. */
    nextGate(id: string): string {
      const n = (opened.get(id) ?? 0) + 1;
      opened.set(id, n);
      return gateId(id, n);
    },
    openGate<K extends GateKind>(
      p: Phase,
      kind: K,
      id: string,
      gate: Pick<
        GateCommon,
        'onTimeout' | 'instructions' | 'digest' | 'approvers' | 'approverNames' | 'minApprovals'
      > & { timeoutMs?: number },
      shows: GateShows<K>,
    ): void {
      const { timeoutMs, ...rest } = gate;
      // Validation bounds timeouts; a date past JavaScript's range would throw in toISOString.
      const end = timeoutMs ? new Date(Date.now() + timeoutMs) : undefined;
      gates.set(p.id, {
        kind,
        ...shows,
        ...rest,
        id,
        phase: p.id,
        title: p.title ?? p.id,
        openedAt: now(),
        deadline: end && Number.isFinite(end.getTime()) ? end.toISOString() : undefined,
        onTimeout: timeoutMs ? gate.onTimeout : undefined,
      } as OpenGate);
      // A task's gate (`<phase>.<task>`) has no phase row of its own: its task row says it waits.
      const row = phases.get(p.id);
      if (kind === 'approval' && row) row.state = 'awaiting-approval';
      publish();
    },
    openGateOf: (id: string): OpenGate | undefined => gates.get(id),
    /** The name and hash of each artifact of the phase, for the gate's digest (none for a task's gate). */
    artifactsOf: (id: string): { name: string; sha256: string }[] =>
      (phases.get(id)?.artifacts ?? []).map((a) => ({ name: a.name, sha256: a.sha256 })),
    decisionFor: (id: string): DecisionRecord | undefined => inbox.get(id),
    /** Closes the phase's gate; with a decision, records it. */
    closeGate(id: string, decision?: DecisionRecord): void {
      gates.delete(id);
      inbox.delete(id);
      if (decision) log.record(decision);
      publish();
    },
    record: (decision: DecisionRecord): void => log.record(decision),
    /** Lets decisions reach the gates of a parallel phase's task (`<phase>.<task>`). */
    addTask(key: string, task: { agent: string; state: string }): void {
      tasks.set(key, task);
    },
    setAgentSchemas(schemas: AgentInputSchemas): void {
      agentSchemas = schemas;
    },
    noteWithoutLlm(agents: readonly string[]): void {
      for (const agent of agents) if (!agentsWithoutLlm.includes(agent)) agentsWithoutLlm.push(agent);
    },

    start(): void {
      ui.tagTemplate(template ?? definition.name);
      publish();
    },
    stop(final: 'rejected' | 'failed' | 'cancelled', why: string): void {
      if (this.stopped) return;
      state = final;
      reason = why;
    },
    finish(): void {
      for (const p of phases.values()) {
        if (!TERMINAL_PHASE_STATES.includes(p.state)) p.state = 'cancelled';
      }
      gates.clear();
      if (state === 'running') state = 'completed';
      endedAt = now();
      governance?.stop();
      publish();
    },
  };
}

export type RunStateObject = ReturnType<typeof createRunState>;

import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { gateOf, type ApprovalMode, type Definition, type Params, type Phase } from '../shared/definition';
import { DecisionSchema, type Decision } from '../shared/messages';
import { BatonPendingGates, BatonProgress, BatonTemplate } from '../shared/search-attributes';
import {
  TERMINAL_PHASE_STATES,
  type DecisionRecord,
  type IgnoredSignal,
  type OpenGate,
  type PhaseStatus,
  type RunState,
  type RunStatus,
} from '../shared/status';

const now = (): string => new Date().toISOString();

/** The one state object of a `pipeline` run: everything `status` reports, and the gate inbox. */
export function createRunState(definition: Definition, params: Params, approvalMode: ApprovalMode, template?: string) {
  const phases = new Map<string, PhaseStatus>(
    definition.phases.map((p) => [
      p.id,
      { id: p.id, title: p.title ?? p.id, agent: p.agent, needs: p.needs, state: 'pending', attempts: 0, runs: 0 },
    ]),
  );
  const gates = new Map<string, OpenGate>();
  /** Accepted decisions waiting for their gate to apply them. */
  const inbox = new Map<string, DecisionRecord>();
  const decisions: DecisionRecord[] = [];
  const ignoredSignals: IgnoredSignal[] = [];
  const startedAt = now();
  let state: RunState = 'running';
  let endedAt: string | undefined;
  let reason: string | undefined;
  let published = { gates: '', progress: -1, details: '' };

  const phase = (id: string): PhaseStatus => phases.get(id) as PhaseStatus;

  const progress = () => {
    const total = phases.size;
    const done = [...phases.values()].filter((p) => p.state === 'done' || p.state === 'skipped').length;
    return { done, total, percent: total ? Math.round((done / total) * 100) : 100 };
  };

  /** Why a decision cannot be taken now, or undefined when it can. */
  const rejectionOf = (raw: unknown): string | undefined => {
    const parsed = DecisionSchema.safeParse(raw);
    if (!parsed.success) return parsed.error.issues.map((i) => i.message).join('; ');
    const decision = parsed.data;
    if (!phases.has(decision.phase)) {
      return `phase "${decision.phase}" is not in this run; phases are: ${[...phases.keys()].join(', ')}`;
    }
    if (!gates.has(decision.phase)) {
      const open = [...gates.keys()];
      return `phase "${decision.phase}" has no open gate (it is ${phase(decision.phase).state}); ${open.length ? `open gates: ${open.join(', ')}` : 'no gate is open now'}`;
    }
    if (inbox.has(decision.phase)) return `the gate of "${decision.phase}" has already been decided`;
    if (decision.action === 'modify' && Object.keys(decision.changes ?? {}).length === 0) {
      return 'modify needs changes (the input fields to change); to run the phase again as it is, use retry';
    }
    return undefined;
  };

  /** `waiting` is derived: the run is running with at least one gate open. */
  const currentState = (): RunState => (state === 'running' && gates.size > 0 ? 'waiting' : state);

  const status = (): RunStatus => ({
    name: definition.name,
    template,
    approvalMode,
    state: currentState(),
    startedAt,
    endedAt,
    reason,
    phases: [...phases.values()],
    gates: [...gates.values()],
    progress: progress(),
    decisions,
    ignoredSignals,
  });

  /** Keeps search attributes and the Web UI's current details in step with the run. */
  const publish = (): void => {
    const open = [...gates.keys()];
    const pct = progress().percent;
    const gatesKey = open.join(',');
    if (gatesKey !== published.gates || pct !== published.progress) {
      upsertSearchAttributes([
        { key: BatonPendingGates, value: open.length ? open : null },
        { key: BatonProgress, value: pct },
      ]);
    }
    const details = describe(open);
    if (details !== published.details) setCurrentDetails(details);
    published = { gates: gatesKey, progress: pct, details };
  };

  const describe = (open: string[]): string => {
    const { done, total, percent } = progress();
    const lines = [`**${definition.name}**: ${currentState()}, ${done}/${total} phases (${percent}%)`];
    const id = workflowInfo().workflowId;
    for (const gateId of open) {
      const gate = gates.get(gateId) as OpenGate;
      lines.push(
        '',
        `Waiting for approval of **${gate.title}** (\`${gateId}\`)${gate.deadline ? `, until ${gate.deadline} then ${gate.onTimeout}` : ''}.`,
        gate.instructions ?? '',
        `Send signal \`approval\` with \`{"phase":"${gateId}","action":"approve","by":"<you>"}\`, or run \`baton approve ${id} ${gateId}\`.`,
      );
    }
    if (reason) lines.push('', reason);
    return lines.filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
  };

  return {
    definition,
    params,
    approvalMode,
    phase,
    gates,
    inbox,
    decisions,
    get stopped() {
      return state === 'rejected' || state === 'failed';
    },
    status,
    publish,
    rejectionOf,
    start(): void {
      if (workflowInfo().typedSearchAttributes.get(BatonTemplate) === undefined) {
        upsertSearchAttributes([{ key: BatonTemplate, value: template ?? definition.name }]);
      }
      publish();
    },
    accept(decision: Decision, via: DecisionRecord['via']): void {
      inbox.set(decision.phase, { ...decision, at: now(), via });
    },
    ignore(payload: unknown, why: string): void {
      ignoredSignals.push({ at: now(), payload, reason: why });
    },
    openGate(p: Phase, output: unknown, timeoutMs: number | undefined): void {
      const settings = gateOf(p);
      gates.set(p.id, {
        kind: 'approval',
        phase: p.id,
        title: p.title ?? p.id,
        openedAt: now(),
        deadline: timeoutMs ? new Date(Date.now() + timeoutMs).toISOString() : undefined,
        onTimeout: timeoutMs ? settings?.onTimeout : undefined,
        instructions: settings?.instructions,
        output,
      });
      phase(p.id).state = 'awaiting-approval';
      publish();
    },
    closeGate(id: string, decision: DecisionRecord): void {
      gates.delete(id);
      inbox.delete(id);
      decisions.push(decision);
    },
    stop(final: 'rejected' | 'failed', why: string): void {
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
      publish();
    },
    now,
  };
}

export type RunStateObject = ReturnType<typeof createRunState>;

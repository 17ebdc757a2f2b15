import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  type ApprovalMode,
  type Budget,
  type Definition,
  type Params,
  type Phase,
} from '../shared/definition';
import { acceptedFields, type AgentInputSchemas, typeProblem, unknownFields } from '../shared/input-schema';
import { jsonBytes, LIMITS, nestsDeeperThan } from '../shared/limits';
import { BudgetChangeSchema, DecisionSchema, fieldMessage, type Decision } from '../shared/messages';
import { BatonPendingGates, BatonProgress, BatonTemplate } from '../shared/search-attributes';
import {
  addUsage,
  NO_USAGE,
  TERMINAL_PHASE_STATES,
  type Usage,
  type DecisionRecord,
  type IgnoredSignal,
  type OpenGate,
  type PhaseStatus,
  type RunState,
  type RunStatus,
} from '../shared/status';

const now = (): string => new Date().toISOString();

const MAX_IGNORED_SIGNALS = 50;
const MAX_IGNORED_PAYLOAD = 1000;

/** The one state object of a `pipeline` run: everything `status` reports, and the gate inbox. */
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
        agent: p.agent,
        needs: p.needs,
        state: 'pending',
        attempts: 0,
        runs: 0,
        usage: NO_USAGE,
      },
    ]),
  );
  const gates = new Map<string, OpenGate>();
  /** Accepted decisions waiting for their gate to apply them. */
  const inbox = new Map<string, DecisionRecord>();
  const decisions: DecisionRecord[] = [];
  /** The JSON size of each kept decision, in step with `decisions`. */
  const decisionBytes: number[] = [];
  let decisionsDropped = 0;
  /** The worker's agents' input schemas (none in runs recorded before workers served them). */
  let agentSchemas: AgentInputSchemas = {};
  const ignoredSignals: IgnoredSignal[] = [];
  const startedAt = now();
  let state: RunState = 'running';
  let endedAt: string | undefined;
  let reason: string | undefined;
  let published = { gates: '', progress: -1, details: '' };
  let usage: Usage = NO_USAGE;
  const agentsWithoutLlm: string[] = [];
  let budget: Budget | undefined = definition.budget;
  const phaseBudgets = new Map<string, Budget | undefined>(definition.phases.map((p) => [p.id, p.budget]));
  /** What running phases may still spend: counted against the run budget before another phase starts. */
  const reserved = new Map<string, { tokens: number; costUsd: number }>();

  const phase = (id: string): PhaseStatus => phases.get(id) as PhaseStatus;

  const progress = () => {
    const total = phases.size;
    const done = [...phases.values()].filter((p) => p.state === 'done' || p.state === 'skipped').length;
    return { done, total, percent: total ? Math.round((done / total) * 100) : 100 };
  };

  /** Why a decision cannot be taken now, or undefined when it can. */
  const rejectionOf = (raw: unknown): string | undefined => {
    const parsed = DecisionSchema.safeParse(raw);
    if (!parsed.success) return parsed.error.issues.map(fieldMessage).join('; ');
    const decision = parsed.data;
    if (state !== 'running') return `the run has ended (${state}); it takes no more decisions`;
    if (!phases.has(decision.phase)) {
      return `phase "${decision.phase}" is not in this run; phases are: ${[...phases.keys()].join(', ')}`;
    }
    if (!gates.has(decision.phase)) {
      const open = [...gates.keys()];
      return `phase "${decision.phase}" has no open gate (it is ${phase(decision.phase).state}); ${open.length ? `open gates: ${open.join(', ')}` : 'no gate is open now'}`;
    }
    if (inbox.has(decision.phase)) return `the gate of "${decision.phase}" has already been decided`;
    if (decision.action === 'modify' && gates.get(decision.phase)?.kind === 'budget') {
      const change = BudgetChangeSchema.safeParse(decision.changes ?? {});
      if (!change.success) {
        return `modify at a budget gate takes changes like {"budget":{"tokens":200000}} or {"phaseBudget":{"costUsd":2}}: ${change.error.issues.map((i) => `${i.path.join('.') || 'changes'}: ${i.message}`).join('; ')}`;
      }
    }
    if (decision.action === 'modify' && Object.keys(decision.changes ?? {}).length === 0) {
      return gates.get(decision.phase)?.kind === 'budget'
        ? 'modify at a budget gate needs changes such as {"budget":{"tokens":200000}} or {"phaseBudget":{"costUsd":2}}'
        : 'modify needs changes (the input fields to change); to run the phase again as it is, use retry';
    }
    if (decision.action === 'modify' && gates.get(decision.phase)?.kind === 'approval') {
      const agent = phase(decision.phase).agent;
      const schema = agentSchemas[agent];
      const unknown = schema ? unknownFields(Object.keys(decision.changes ?? {}), schema) : [];
      if (schema && unknown.length > 0) {
        return `modify changes ${unknown.map((k) => `"${k.slice(0, 100)}"`).join(', ')}, which agent "${agent}" does not take; it accepts: ${acceptedFields(schema)}`;
      }
      for (const [key, value] of schema ? Object.entries(decision.changes ?? {}) : []) {
        const problem = typeProblem(agent, key, value, schema as NonNullable<typeof schema>);
        if (problem) return `changes.${key}: ${problem}`;
      }
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
    decisionsDropped,
    ignoredSignals,
    usage,
    budget,
    agentsWithoutLlm,
  });

  /**
   * Keeps a decision, then drops the oldest while more than LIMITS.decisionsKept are kept or they
   * pass LIMITS.decisionsKeptBytes together, so `status` (and every workflow task that answers it)
   * stays far below Temporal's message limit. History keeps every decision regardless.
   */
  const record = (decision: DecisionRecord): void => {
    decisions.push(decision);
    decisionBytes.push(jsonBytes(decision));
    let total = decisionBytes.reduce((a, b) => a + b, 0);
    while (
      decisions.length > 1 &&
      (decisions.length > LIMITS.decisionsKept || total > LIMITS.decisionsKeptBytes)
    ) {
      decisions.shift();
      total -= decisionBytes.shift() as number;
      decisionsDropped += 1;
    }
  };

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
        gate.kind === 'budget'
          ? `Budget gate before **${gate.title}** (\`${gateId}\`): ${gate.reason ?? ''}`
          : `Waiting for approval of **${gate.title}** (\`${gateId}\`)${gate.deadline ? `, until ${gate.deadline} then ${gate.onTimeout}` : ''}.`,
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
    record,
    setAgentSchemas(schemas: AgentInputSchemas): void {
      agentSchemas = schemas;
    },
    get stopped() {
      return state === 'rejected' || state === 'failed' || state === 'cancelled';
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
    accept(decision: Decision, via: DecisionRecord['via'], sanitized: string[] = []): void {
      inbox.set(decision.phase, { ...decision, at: now(), via, ...(sanitized.length ? { sanitized } : {}) });
    },
    ignore(payload: unknown, why: string): void {
      // Bounded, so a misbehaving sender cannot grow the run's state (and history) without limit.
      // Depth first: JSON.stringify of a payload nested 100,000 levels deep overflows the stack.
      const deep = nestsDeeperThan(payload, LIMITS.nestingDepth);
      const text = deep ? '(nested too deep to keep)' : (JSON.stringify(payload) ?? String(payload));
      const kept =
        deep || text.length > MAX_IGNORED_PAYLOAD ? `${text.slice(0, MAX_IGNORED_PAYLOAD)}…` : payload;
      ignoredSignals.push({ at: now(), payload: kept, reason: why });
      if (ignoredSignals.length > MAX_IGNORED_SIGNALS) ignoredSignals.shift();
    },
    openGate(
      p: Phase,
      gate: Omit<OpenGate, 'phase' | 'title' | 'openedAt' | 'deadline'> & { timeoutMs?: number },
    ): void {
      const { timeoutMs, ...rest } = gate;
      // Validation bounds timeouts; a date past JavaScript's range would throw in toISOString.
      const end = timeoutMs ? new Date(Date.now() + timeoutMs) : undefined;
      gates.set(p.id, {
        ...rest,
        phase: p.id,
        title: p.title ?? p.id,
        openedAt: now(),
        deadline: end && Number.isFinite(end.getTime()) ? end.toISOString() : undefined,
        onTimeout: timeoutMs ? gate.onTimeout : undefined,
      });
      if (gate.kind === 'approval') phase(p.id).state = 'awaiting-approval';
      publish();
    },
    /** Adds a phase run's LLM usage to the phase and to the run. */
    spend(id: string, spent: Partial<Usage>): void {
      const p = phase(id);
      p.usage = addUsage(p.usage, spent);
      usage = addUsage(usage, spent);
    },
    noteWithoutLlm(agent: string): void {
      if (!agentsWithoutLlm.includes(agent)) agentsWithoutLlm.push(agent);
    },
    /** Raises (or sets) the run's budget, or the phase's with `phase`. */
    setBudget(change: Budget, id?: string): void {
      if (id) phaseBudgets.set(id, { ...phaseBudgets.get(id), ...change });
      else budget = { ...budget, ...change };
    },
    /** Why starting the phase now could go over a budget, or undefined when it cannot. */
    budgetProblem(p: Phase): string | undefined {
      const own = phaseBudgets.get(p.id);
      const mine = phase(p.id).usage;
      const tokens = (u: Usage) => u.inputTokens + u.outputTokens;
      if (own?.tokens !== undefined && tokens(mine) >= own.tokens) {
        return `phase budget of ${own.tokens} tokens is spent (${tokens(mine)} used)`;
      }
      if (own?.costUsd !== undefined && mine.costUsd >= own.costUsd) {
        return `phase budget of $${own.costUsd} is spent ($${mine.costUsd.toFixed(4)} used)`;
      }
      // The run reserves what the phase may still spend before it starts it, on top of what phases
      // running now have reserved.
      const others = [...reserved.entries()].filter(([id]) => id !== p.id).map(([, r]) => r);
      const held = {
        tokens: others.reduce((n, r) => n + r.tokens, 0),
        costUsd: others.reduce((n, r) => n + r.costUsd, 0),
      };
      const heldNote = (amount: number, unit: (n: number) => string) =>
        amount > 0 ? `, ${unit(amount)} reserved by running phases` : '';
      if (budget?.tokens !== undefined) {
        const reserve = own?.tokens !== undefined ? own.tokens - tokens(mine) : 0;
        const committed = tokens(usage) + held.tokens;
        if (committed >= budget.tokens || committed + reserve > budget.tokens) {
          return `run budget of ${budget.tokens} tokens: ${tokens(usage)} spent${heldNote(held.tokens, String)}${reserve ? `, and "${p.id}" may spend ${reserve} more` : ''}`;
        }
      }
      if (budget?.costUsd !== undefined) {
        const reserve = own?.costUsd !== undefined ? own.costUsd - mine.costUsd : 0;
        const committed = usage.costUsd + held.costUsd;
        if (committed >= budget.costUsd || committed + reserve > budget.costUsd) {
          return `run budget of $${budget.costUsd}: $${usage.costUsd.toFixed(4)} spent${heldNote(held.costUsd, (n) => `$${n.toFixed(4)}`)}${reserve ? `, and "${p.id}" may spend $${reserve.toFixed(4)} more` : ''}`;
        }
      }
      return undefined;
    },
    /** Holds what the phase may still spend while it runs (its own budget's remainder). */
    reserve(p: Phase): void {
      const own = phaseBudgets.get(p.id);
      const mine = phase(p.id).usage;
      reserved.set(p.id, {
        tokens:
          own?.tokens !== undefined ? Math.max(0, own.tokens - mine.inputTokens - mine.outputTokens) : 0,
        costUsd: own?.costUsd !== undefined ? Math.max(0, own.costUsd - mine.costUsd) : 0,
      });
    },
    release(id: string): void {
      reserved.delete(id);
    },
    closeGate(id: string, decision: DecisionRecord): void {
      gates.delete(id);
      inbox.delete(id);
      record(decision);
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
      publish();
    },
    now,
  };
}

export type RunStateObject = ReturnType<typeof createRunState>;

import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ApprovalMode, Params } from '../shared/definition';
import {
  approvalSignal,
  decideUpdate,
  statusQuery,
  WORKFLOW_TYPE,
  type DecideResult,
  type Decision,
} from '../shared/messages';
import { BatonPendingGates, BatonTemplate } from '../shared/search-attributes';
import type { RunStatus, RunSummary } from '../shared/status';
import type { AgentInputSchemas } from '../shared/input-schema';
import { validateDefinition } from '../shared/validate';
import { BatonError, DecisionRejectedError, DefinitionError, RunNotFoundError } from './errors';
import type { Baton } from './connect';
import { queryStatus } from './status-query';
import { loadTemplate, readDefinitionFile } from './templates';

export { connect, type Baton, type ConnectOptions } from './connect';
export { FINAL_STATES, isFinalState } from './status-query';

/** Inbox queries many runs and falls back to search attributes, so it waits less for each. */
const INBOX_QUERY_TIMEOUT_MS = 3_000;

export interface StartOptions {
  /** A template name from `templates/`. */
  template?: string;
  /** A definition file (YAML or JSON). */
  file?: string;
  /** A definition object. */
  definition?: unknown;
  params?: Record<string, unknown>;
  id?: string;
  approvalMode?: ApprovalMode;
  /** Agent names to check the definition against; when omitted, those of this machine's config. */
  agents?: readonly string[];
  /**
   * Don't check agent names here: the worker may run elsewhere with other agents. The run still
   * checks them against its worker first thing, and fails at once naming the unknown ones.
   */
  skipAgentCheck?: boolean;
}

/** The agents a worker started here with the same configuration would offer, with their input schemas. */
async function workerAgentNames(): Promise<{ names: string[]; schemas: AgentInputSchemas }> {
  const [{ configuredAgents }, { loadConfig }, { agentInputSchema }] = await Promise.all([
    import('../activities'),
    import('../config'),
    import('../activities/agents/agent'),
  ]);
  try {
    const agents = configuredAgents(await loadConfig());
    return {
      names: agents.map((a) => a.name),
      schemas: Object.fromEntries(agents.map((a) => [a.name, agentInputSchema(a)])),
    };
  } catch (error) {
    throw new BatonError((error as Error).message, { cause: error });
  }
}

function defaultRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${name}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

async function resolveDefinition(options: StartOptions): Promise<{ raw: unknown; template?: string }> {
  const given = [options.template, options.file, options.definition].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new BatonError('Give exactly one of a template name, --file, or a definition object.');
  if (options.definition !== undefined) return { raw: options.definition };
  if (options.file !== undefined) return { raw: await readDefinitionFile(options.file) };
  return { raw: await loadTemplate(options.template as string), template: options.template };
}

/** Validates (every problem at once) and starts a `pipeline` run. Returns its workflow id. */
export async function startRun(
  baton: Baton,
  options: StartOptions,
): Promise<{ workflowId: string; firstRunId: string; params: Params }> {
  const { raw, template } = await resolveDefinition(options);
  const localAgents = options.agents === undefined && !options.skipAgentCheck;
  // Given names come without schemas: their inputs are checked by the run, against its worker's.
  const local = localAgents ? await workerAgentNames() : undefined;
  const agents = options.skipAgentCheck ? undefined : (options.agents ?? local?.names);
  const checked = validateDefinition(raw, options.params ?? {}, { agents, agentSchemas: local?.schemas });
  if (!checked.ok) {
    const unknownAgent = checked.problems.some(
      (p) => p.path.endsWith('.agent') && p.message.startsWith('unknown agent'),
    );
    throw new DefinitionError(
      String((raw as { name?: unknown })?.name ?? options.template ?? '(unnamed)'),
      checked.problems,
      localAgents && unknownAgent
        ? "(agents are checked against this machine's baton.config; if the worker has others, pass --skip-agent-check)"
        : undefined,
    );
  }
  const { definition, params } = checked;
  const workflowId = options.id ?? defaultRunId(template ?? definition.name);
  try {
    const handle = await baton.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: baton.taskQueue,
      workflowId,
      args: [{ definition, params, approvalMode: options.approvalMode ?? 'manual', template }],
      typedSearchAttributes: [{ key: BatonTemplate, value: template ?? definition.name }],
      staticSummary: `${definition.name}: ${definition.phases.map((p) => p.id).join(' → ')}`,
      staticDetails: definition.description || undefined,
    });
    return { workflowId, firstRunId: handle.firstExecutionRunId, params };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw await alreadyExists(baton, workflowId, error);
    throw error;
  }
}

async function alreadyExists(baton: Baton, id: string, cause: Error): Promise<BatonError> {
  const existing = await handleOf(baton, id)
    .describe()
    .catch(() => undefined);
  const since = existing
    ? ` (started ${existing.startTime.toISOString().replace(/\.\d+Z$/, 'Z')}, ${existing.status.name.toLowerCase()})`
    : '';
  return new BatonError(
    `A run with id "${id}" already exists${since}; choose another --id, or omit it for a fresh one.`,
    { cause },
  );
}

function handleOf(baton: Baton, id: string): WorkflowHandle {
  return baton.client.workflow.getHandle(id);
}

async function notFoundAware<T>(baton: Baton, id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new RunNotFoundError(id, baton.namespace, { cause: error });
    throw error;
  }
}

export async function getStatus(baton: Baton, id: string): Promise<RunStatus> {
  return notFoundAware(baton, id, async () => {
    // Asked together: a run that failed before it started its phases (a bad definition, an agent
    // its worker lacks) answers with a status stuck at `running`, or does not answer at all.
    const [answer, description] = await Promise.all([
      queryStatus(baton, id).then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      ),
      handleOf(baton, id).describe(),
    ]);
    if (description.status.name === 'FAILED' && !('status' in answer && answer.status.state === 'failed')) {
      const failure = await handleOf(baton, id)
        .result()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const message =
        failure instanceof WorkflowFailedError
          ? (failure.cause?.message ?? failure.message)
          : (failure as Error | undefined)?.message;
      throw new BatonError(
        `Run "${id}" failed before it started its phases: ${message ?? 'unknown failure'}`,
        {
          cause: failure,
        },
      );
    }
    if ('error' in answer) throw answer.error;
    return answer.status;
  });
}

export type DecideOutcome =
  | DecideResult
  /** Sent as a signal without waiting for the run to take it (`confirm: false`). */
  | { accepted: 'sent'; phase: string; action: string };

/**
 * Sends a decision and tells whether the run took it.
 *
 * By default it goes as the `approval` signal, and the client then watches `status` until the run
 * records the decision or ignores it (then this throws with the run's reason). Signals are history
 * events, so they replay in the same order whatever happens to the worker. `via: 'update'` uses the
 * validated `decide` update instead: see the README's note on updates and worker restarts.
 */
export async function decide(
  baton: Baton,
  id: string,
  decision: Decision,
  options: { via?: 'update' | 'signal'; confirm?: boolean; timeoutMs?: number } = {},
): Promise<DecideOutcome> {
  return notFoundAware(baton, id, async () => {
    const handle = handleOf(baton, id);
    if (options.via === 'update') {
      // An update waits for a worker to take it; ask first, so a missing worker is said at once.
      await queryStatus(baton, id);
      try {
        return await handle.executeUpdate(decideUpdate, { args: [decision] });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          const reason =
            error.cause instanceof ApplicationFailure
              ? error.cause.message
              : (error.cause?.message ?? error.message);
          throw new DecisionRejectedError(`Decision refused by run "${id}": ${reason}`, { cause: error });
        }
        throw error;
      }
    }
    if (options.confirm === false) {
      await handle.signal(approvalSignal, decision);
      return { accepted: 'sent', phase: decision.phase, action: decision.action };
    }
    const before = await queryStatus(baton, id);
    await handle.signal(approvalSignal, decision);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const status = await queryStatus(baton, id);
      const ignored = status.ignoredSignals
        .slice(before.ignoredSignals.length)
        .find((s) => sameDecision(s.payload, decision));
      if (ignored) throw new DecisionRejectedError(`Decision refused by run "${id}": ${ignored.reason}`);
      const taken =
        status.decisions.slice(before.decisions.length).some((d) => sameDecision(d, decision)) ||
        // A gate that was open and has closed since took some decision, possibly this one.
        (before.gates.some((g) => g.phase === decision.phase) &&
          !status.gates.some((g) => g.phase === decision.phase) &&
          status.decisions.length > before.decisions.length);
      if (taken) return { accepted: true, phase: decision.phase, action: decision.action };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new BatonError(
      `Decision sent to run "${id}" but not taken within ${Math.round((options.timeoutMs ?? 30_000) / 1000)}s; is a worker running? Check with \`baton status ${id}\`.`,
    );
  });
}

function sameDecision(a: unknown, b: Decision): boolean {
  const x = a as Partial<Decision> | undefined;
  return x?.phase === b.phase && x?.action === b.action && x?.by === b.by && x?.comment === b.comment;
}

export interface InboxItem {
  workflowId: string;
  template?: string;
  phase: string;
  startTime: Date;
  openedAt?: string;
  instructions?: string;
  /** Set when the run did not answer its status query (no worker?): only the search attributes are known. */
  unanswered?: true;
}

/**
 * Open gates across all running runs, found through the `BatonPendingGates` search attribute. Each
 * run's status adds when its gates opened and their instructions; the runs are asked all at once,
 * and one that does not answer soon (no worker) is listed from its search attributes alone.
 */
export async function inbox(baton: Baton): Promise<InboxItem[]> {
  const query = `ExecutionStatus = "Running" AND BatonPendingGates IS NOT NULL`;
  const runs = [];
  for await (const run of baton.client.workflow.list({ query })) runs.push(run);
  const timeoutMs = Math.min(baton.queryTimeoutMs, INBOX_QUERY_TIMEOUT_MS);
  const statuses = await Promise.all(
    runs.map((run) =>
      baton.connection
        .withDeadline(Date.now() + timeoutMs, () => handleOf(baton, run.workflowId).query(statusQuery))
        .catch(() => undefined),
    ),
  );
  return runs.flatMap((run, i) => {
    const status = statuses[i];
    const gates = run.typedSearchAttributes.get(BatonPendingGates) ?? [];
    const template = run.typedSearchAttributes.get(BatonTemplate);
    return gates.map((phase): InboxItem => {
      const gate = status?.gates.find((g) => g.phase === phase);
      return {
        workflowId: run.workflowId,
        template,
        phase,
        startTime: run.startTime,
        openedAt: gate?.openedAt,
        instructions: gate?.instructions,
        ...(status ? {} : { unanswered: true as const }),
      };
    });
  });
}

export interface ArtifactListing {
  phase: string;
  commit?: string;
  artifact: import('../shared/status').ArtifactRef;
}

/** A run's artifacts by phase, from its status (history holds the refs; the store holds the bytes). */
export async function listArtifacts(baton: Baton, id: string, phase?: string): Promise<ArtifactListing[]> {
  const status = await getStatus(baton, id);
  if (phase && !status.phases.some((p) => p.id === phase)) {
    throw new BatonError(
      `Run "${id}" has no phase "${phase}"; phases are: ${status.phases.map((p) => p.id).join(', ')}`,
    );
  }
  return status.phases
    .filter((p) => !phase || p.id === phase)
    .flatMap((p) => (p.artifacts ?? []).map((artifact) => ({ phase: p.id, commit: p.commit, artifact })));
}

export async function cancelRun(baton: Baton, id: string): Promise<void> {
  await notFoundAware(baton, id, () => handleOf(baton, id).cancel());
}

/** Waits for the run to end. A failed run raises a BatonError with the failure's message. */
export async function waitForResult(baton: Baton, id: string): Promise<RunSummary> {
  return notFoundAware(baton, id, async () => {
    try {
      return (await handleOf(baton, id).result()) as RunSummary;
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        const cause = error.cause;
        throw new BatonError(`Run "${id}" failed: ${cause?.message ?? error.message}`, { cause: error });
      }
      throw error;
    }
  });
}

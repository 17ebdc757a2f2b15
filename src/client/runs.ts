import {
  Client,
  Connection,
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
  DEFAULT_TASK_QUEUE,
  statusQuery,
  WORKFLOW_TYPE,
  type DecideResult,
  type Decision,
} from '../shared/messages';
import { BatonPendingGates, BatonTemplate } from '../shared/search-attributes';
import type { RunStatus, RunSummary } from '../shared/status';
import { validateDefinition } from '../shared/validate';
import {
  BatonError,
  DecisionRejectedError,
  DefinitionError,
  RunNotFoundError,
  ServerUnreachableError,
} from './errors';
import { loadTemplate, readDefinitionFile } from './templates';

export interface ConnectOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

/** A connected Baton client: the TS API behind the `baton` CLI. */
export interface Baton {
  client: Client;
  connection: Connection;
  taskQueue: string;
  address: string;
  close(): Promise<void>;
}

export async function connect(options: ConnectOptions = {}): Promise<Baton> {
  const address = options.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const namespace = options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (cause) {
    throw new ServerUnreachableError(address, { cause });
  }
  return {
    client: new Client({ connection, namespace }),
    connection,
    address,
    taskQueue: options.taskQueue ?? process.env.BATON_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    close: () => connection.close(),
  };
}

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
  /** Agent names to check the definition against; the built-in agents when omitted. */
  agents?: readonly string[];
}

/** The agents a worker started here with the same configuration would offer. */
async function workerAgentNames(): Promise<string[]> {
  const [{ configuredAgents }, { loadConfig }] = await Promise.all([
    import('../activities'),
    import('../activities/config'),
  ]);
  try {
    return configuredAgents(await loadConfig()).map((a) => a.name);
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
  const agents = options.agents ?? (await workerAgentNames());
  const checked = validateDefinition(raw, options.params ?? {}, { agents });
  if (!checked.ok) {
    throw new DefinitionError(
      String((raw as { name?: unknown })?.name ?? options.template ?? '(unnamed)'),
      checked.problems,
    );
  }
  const { definition, params } = checked;
  const workflowId = options.id ?? defaultRunId(template ?? definition.name);
  const handle = await baton.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: baton.taskQueue,
    workflowId,
    args: [{ definition, params, approvalMode: options.approvalMode ?? 'manual', template }],
    typedSearchAttributes: [{ key: BatonTemplate, value: template ?? definition.name }],
    staticSummary: `${definition.name}: ${definition.phases.map((p) => p.id).join(' → ')}`,
    staticDetails: definition.description || undefined,
  });
  return { workflowId, firstRunId: handle.firstExecutionRunId, params };
}

function handleOf(baton: Baton, id: string): WorkflowHandle {
  return baton.client.workflow.getHandle(id);
}

async function notFoundAware<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(id, { cause: error });
    throw error;
  }
}

export async function getStatus(baton: Baton, id: string): Promise<RunStatus> {
  return notFoundAware(id, async () => {
    try {
      return await handleOf(baton, id).query(statusQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw error;
      // A run that failed before it registered its handlers (a bad definition) has no status.
      const description = await handleOf(baton, id).describe();
      if (description.status.name === 'FAILED') {
        const result = await waitForResult(baton, id).catch((e: unknown) => e);
        throw new BatonError(`Run "${id}" failed before it started its phases: ${(result as Error).message}`);
      }
      throw error;
    }
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
  return notFoundAware(id, async () => {
    const handle = handleOf(baton, id);
    if (options.via === 'update') {
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
    const before = await handle.query(statusQuery);
    await handle.signal(approvalSignal, decision);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const status = await handle.query(statusQuery);
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
}

/** Open gates across all running runs, found through the `BatonPendingGates` search attribute. */
export async function inbox(baton: Baton): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  const query = `ExecutionStatus = "Running" AND BatonPendingGates IS NOT NULL`;
  for await (const run of baton.client.workflow.list({ query })) {
    const gates = run.typedSearchAttributes.get(BatonPendingGates) ?? [];
    const template = run.typedSearchAttributes.get(BatonTemplate);
    const status = await handleOf(baton, run.workflowId)
      .query(statusQuery)
      .catch(() => undefined);
    for (const phase of gates) {
      const gate = status?.gates.find((g) => g.phase === phase);
      items.push({
        workflowId: run.workflowId,
        template,
        phase,
        startTime: run.startTime,
        openedAt: gate?.openedAt,
        instructions: gate?.instructions,
      });
    }
  }
  return items;
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
  await notFoundAware(id, () => handleOf(baton, id).cancel());
}

/** Waits for the run to end. A failed run raises a BatonError with the failure's message. */
export async function waitForResult(baton: Baton, id: string): Promise<RunSummary> {
  return notFoundAware(id, async () => {
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

/** The run tools: start_workflow, get_workflow_status, list_runs, get_workflow_templates, dispatch. */
import type { McpServer } from '@modelcontextprotocol/server';
import type { BatonApi } from '../client/api';
import type { DispatchOptions } from '../client/dispatch';
import { PLAN_PHASE } from '../dispatch/plan';
import { gateOf, type Definition } from '../shared/definition';
import { gateId } from '../shared/gate-kinds';
import { FINAL_RUN_STATES, type RunStatus } from '../shared/status';
import { explained } from './explained';
import { brief, tool } from './result';
import {
  DEFAULT_WAIT_SECONDS,
  DispatchInput,
  DispatchOutput,
  ListRunsInput,
  ListRunsOutput,
  RunBriefSchema,
  RunRefInput,
  StartWorkflowInput,
  StartWorkflowOutput,
  TemplatesInput,
  TemplatesOutput,
} from './schemas';

/** Starts the `dispatch` workflow (src/client/dispatch.ts `startDispatch` over a connection). */
export type DispatchStarter = (options: DispatchOptions) => Promise<{ workflowId: string }>;

/** The first gate a run of `definition` will wait on: the first phase, in order, with a gate. */
export function firstGateOf(definition: Definition) {
  const phase = definition.phases.find((p) => gateOf(p) !== undefined);
  return phase ? { gate: gateId(phase.id, 1), phase: phase.id, title: phase.title ?? phase.id } : null;
}

const POLL_MS = 500;

/** Polls the run until it has an open gate or has ended, or `timeoutMs` passes. */
async function waitForGateOrEnd(api: BatonApi, id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let status: RunStatus | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      status = await api.status({ id });
      if (FINAL_RUN_STATES.includes(status.state)) return { status, waited: 'ended' as const };
      if (status.gates.length > 0) return { status, waited: 'gate' as const };
    } catch (error) {
      // Right after the start no worker may have answered yet: keep trying until the bound.
      lastError = error;
    }
    if (Date.now() + POLL_MS > deadline) {
      if (status) return { status, waited: 'timeout' as const };
      throw lastError instanceof Error ? lastError : new Error(`run ${id} did not answer in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function registerRunTools(server: McpServer, api: BatonApi, dispatch?: DispatchStarter): void {
  server.registerTool(
    'get_workflow_templates',
    {
      title: 'Workflow templates',
      description: 'The pipeline templates start_workflow can run: their phases and params.',
      inputSchema: explained(TemplatesInput),
      outputSchema: TemplatesOutput,
      annotations: { readOnlyHint: true },
    },
    tool(async () => ({ templates: await api.templates() })),
  );

  server.registerTool(
    'start_workflow',
    {
      title: 'Start a workflow',
      description:
        'Starts a run of a template (or of a definition) and answers at once with its id and the first gate it will wait on. ' +
        'Pass wait: true to answer instead when the run reaches a gate or ends (bounded by waitSeconds).',
      inputSchema: explained(StartWorkflowInput),
      outputSchema: StartWorkflowOutput,
    },
    tool(async ({ wait, waitSeconds, ...start }) => {
      const { definition } = await api.validate(start);
      const started = await api.start(start);
      const result = {
        workflowId: started.workflowId,
        params: started.params,
        firstGate: firstGateOf(definition),
      };
      if (!wait) return result;
      const { status, waited } = await waitForGateOrEnd(
        api,
        started.workflowId,
        (waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
      );
      return { ...result, status: brief(started.workflowId, status), waited };
    }),
  );

  server.registerTool(
    'get_workflow_status',
    {
      title: 'Workflow status',
      description: "A run's state, progress, phases (with artifacts as resources), open gates and decisions.",
      inputSchema: explained(RunRefInput),
      outputSchema: RunBriefSchema,
      annotations: { readOnlyHint: true },
    },
    tool(async ({ id }) => brief(id, await api.status({ id }))),
  );

  server.registerTool(
    'list_runs',
    {
      title: 'List runs',
      description: 'Recent runs, newest first, with their state and open gates; filter by state or template.',
      inputSchema: explained(ListRunsInput),
      outputSchema: ListRunsOutput,
      annotations: { readOnlyHint: true },
    },
    tool(async (input) => ({ runs: await api.runs({ limit: 50, ...input }) })),
  );

  if (!dispatch) return;
  server.registerTool(
    'dispatch',
    {
      title: 'Dispatch a request',
      description:
        'Analyses a request in plain words, chooses or composes a pipeline, and runs it after a plan gate (approve it with handle_approval).',
      inputSchema: explained(DispatchInput),
      outputSchema: DispatchOutput,
    },
    tool(async ({ request, context, autoApprove, id }) => {
      const { workflowId } = await dispatch({
        request,
        context: context ?? {},
        autoApprove: autoApprove ?? false,
        ...(id ? { id } : {}),
      });
      return {
        workflowId,
        firstGate: autoApprove ? null : { gate: gateId(PLAN_PHASE, 1), phase: PLAN_PHASE },
      };
    }),
  );
}

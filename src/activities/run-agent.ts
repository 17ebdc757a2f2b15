import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { AgentRegistry } from './agents/agent';

export const RunAgentInputSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  phase: z.string(),
  agent: z.string(),
  /** The phase input, bindings already resolved. */
  input: z.unknown(),
  /** Which run of the phase this is (gates may run a phase again). */
  run: z.number().int().min(1),
});
export type RunAgentInput = z.infer<typeof RunAgentInputSchema>;

export interface RunAgentResult {
  output: unknown;
  /** The activity attempt that succeeded. */
  attempt: number;
  startedAt: string;
  endedAt: string;
}

/** Details attached to an agent's failure so the workflow can count attempts. */
export interface AgentFailureDetails {
  attempt: number;
  agent: string;
}

export interface RunAgentDeps {
  agents: AgentRegistry;
  /** Root directory for per-run workspaces. */
  workspaceRoot: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Re-raises an agent error as an ApplicationFailure that keeps its type and carries the attempt. */
function classify(error: unknown, details: AgentFailureDetails): ApplicationFailure {
  if (error instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.type ?? 'Agent.Error',
      nonRetryable: error.nonRetryable ?? false,
      nextRetryDelay: error.nextRetryDelay,
      details: [details],
      cause: error.cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ message, type: 'Agent.Error', details: [details] });
}

export function createRunAgent({ agents, workspaceRoot }: RunAgentDeps) {
  /** Runs one phase's agent in the run's workspace, heartbeating while it works. */
  async function runAgent(raw: RunAgentInput): Promise<RunAgentResult> {
    const request = RunAgentInputSchema.parse(raw);
    const ctx = Context.current();
    const { attempt, heartbeatTimeoutMs } = ctx.info;
    const failure = { attempt, agent: request.agent };
    const agent = agents.get(request.agent);
    if (!agent) {
      throw ApplicationFailure.create({
        message: `Agent "${request.agent}" is not registered on this worker; known agents: ${[...agents.keys()].join(', ')}`,
        type: 'Agent.Unknown',
        nonRetryable: true,
        details: [failure],
      });
    }
    const input = agent.input.safeParse(request.input);
    if (!input.success) {
      throw ApplicationFailure.create({
        message: `Phase "${request.phase}": input for agent "${agent.name}" is invalid: ${describeIssues(input.error)}`,
        type: 'Agent.BadInput',
        nonRetryable: true,
        details: [failure],
      });
    }
    const workspace = join(workspaceRoot, request.workflowId);
    await mkdir(workspace, { recursive: true });

    // Heartbeat on a timer too, so an agent that forgets to still shows it is alive.
    let lastDetails: unknown = { phase: request.phase, status: 'started' };
    const every = Math.max(200, Math.min(10_000, (heartbeatTimeoutMs ?? 30_000) / 3));
    const timer = setInterval(() => ctx.heartbeat(lastDetails), every);
    ctx.heartbeat(lastDetails);
    const startedAt = new Date().toISOString();
    try {
      const output = await agent.run(input.data, {
        workspace,
        workflowId: request.workflowId,
        runId: request.runId,
        phase: request.phase,
        attempt,
        heartbeat(details) {
          lastDetails = details ?? lastDetails;
          ctx.heartbeat(lastDetails);
        },
        signal: ctx.cancellationSignal,
        log: (message, attributes) => ctx.log.info(message, { phase: request.phase, ...attributes }),
      });
      const parsed = agent.output.safeParse(output);
      if (!parsed.success) {
        throw ApplicationFailure.nonRetryable(
          `Agent "${agent.name}" returned output that does not match its schema: ${describeIssues(parsed.error)}`,
          'Agent.BadOutput',
        );
      }
      return { output: parsed.data, attempt, startedAt, endedAt: new Date().toISOString() };
    } catch (error) {
      throw classify(error, failure);
    } finally {
      clearInterval(timer);
    }
  }
  return runAgent;
}

export function createCheckAgents({ agents }: Pick<RunAgentDeps, 'agents'>) {
  /** Tells the workflow which of the agents its definition names this worker does not know. */
  async function checkAgents({ names }: { names: string[] }): Promise<{ unknown: string[]; known: string[] }> {
    return { unknown: names.filter((n) => !agents.has(n)), known: [...agents.keys()].sort() };
  }
  return checkAgents;
}

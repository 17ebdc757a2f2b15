import { type z } from 'zod';
import { type AgentInputSchema, describeInput } from '../../shared/input-schema';
import type { ArtifactRef } from '../../shared/status';
import type { Llm, UsageRecord } from '../llm';

/** What an agent gets besides its input: where to work, and how to report progress. */
export interface AgentContext {
  /** The run's workspace directory; the agent reads and writes files here. */
  workspace: string;
  workflowId: string;
  runId: string;
  phase: string;
  /** Activity attempt, from 1. Side effects are keyed by workflowId + phase + attempt. */
  attempt: number;
  /** Records progress; also keeps the activity alive while it works. */
  heartbeat(details?: unknown): void;
  /** Aborted when the activity is cancelled or times out. */
  signal: AbortSignal;
  log(message: string, attributes?: Record<string, unknown>): void;
  /** Stores content in the artifact store and returns its ref (kept in the phase result). */
  saveArtifact(artifact: {
    name: string;
    content: string | Uint8Array;
    mediaType?: string;
  }): Promise<ArtifactRef>;
  /** Records one LLM call's usage; the phase result sums them. */
  recordUsage(usage: UsageRecord): void;
  /**
   * The worker's LLM, when it has one. Agents ask it through `askLlm` and check `hasLlm` first
   * (toolbox/llm.ts); it may have no model for a given agent.
   */
  llm?: Llm;
}

/**
 * A named capability run by the `runAgent` activity. Input and output are zod schemas so that the
 * definition's bound input and the agent's result are checked at the boundary.
 */
export interface Agent<I = unknown, O = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  /** Whether the agent uses an LLM: `optional` ones fall back to deterministic work without one. */
  llm?: 'optional' | 'required';
  run(input: I, context: AgentContext): Promise<O>;
}

/** Builds an agent with its input and output types inferred from the schemas. */
export function defineAgent<IS extends z.ZodType, OS extends z.ZodType>(agent: {
  name: string;
  description: string;
  input: IS;
  output: OS;
  llm?: 'optional' | 'required';
  run(input: z.output<IS>, context: AgentContext): Promise<z.input<OS>>;
}): Agent<z.output<IS>, z.output<OS>> {
  return agent as unknown as Agent<z.output<IS>, z.output<OS>>;
}

export type AgentRegistry = ReadonlyMap<string, Agent>;

/** The top-level shape of an agent's input (see `describeInput`), as workers serve it with `checkAgents`. */
export function agentInputSchema(agent: Agent): AgentInputSchema | undefined {
  return describeInput(agent.input);
}

export function createAgentRegistry(agents: readonly Agent[]): AgentRegistry {
  const registry = new Map<string, Agent>();
  for (const agent of agents) {
    if (registry.has(agent.name)) throw new Error(`Agent "${agent.name}" is registered twice`);
    registry.set(agent.name, agent);
  }
  return registry;
}

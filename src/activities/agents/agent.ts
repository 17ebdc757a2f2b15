import { z } from 'zod';
import { type AgentInputSchema, JSON_TYPES } from '../../shared/input-schema';
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

type JsonType = (typeof JSON_TYPES)[number];
const isJsonType = (t: unknown): t is JsonType => JSON_TYPES.includes(t as JsonType);

/** A property's JSON types: `type`, or the types of an `anyOf` whose every branch names one. */
function typesOf(property: unknown): JsonType[] | undefined {
  const p = property as { type?: unknown; anyOf?: unknown[] } | undefined;
  if (typeof p?.type === 'string') return isJsonType(p.type) ? [p.type] : undefined;
  if (Array.isArray(p?.type)) return p.type.every(isJsonType) ? p.type : undefined;
  if (Array.isArray(p?.anyOf)) {
    const all = p.anyOf.map(typesOf);
    return all.every((t) => t !== undefined) ? [...new Set(all.flat())] : undefined;
  }
  return undefined;
}

/**
 * The top-level shape of an agent's input, from its zod schema's JSON Schema (input side): the
 * fields, their types, the required ones, and whether others are taken. A plain `z.object` drops
 * unknown keys silently, so it counts as taking none: a key it would drop is a typo. Undefined when
 * the schema is not an object of known fields (a union, a transform): then nothing is checked.
 */
export function agentInputSchema(agent: Agent): AgentInputSchema | undefined {
  let json: {
    type?: unknown;
    properties?: Record<string, unknown>;
    required?: unknown;
    additionalProperties?: unknown;
  };
  try {
    json = z.toJSONSchema(agent.input, { io: 'input', unrepresentable: 'any' });
  } catch {
    return undefined;
  }
  if (json.type !== 'object' || json.properties === undefined) {
    return json.type === 'object' &&
      json.additionalProperties !== undefined &&
      json.additionalProperties !== false
      ? { properties: {}, required: [], additionalProperties: true }
      : undefined;
  }
  return {
    properties: Object.fromEntries(
      Object.entries(json.properties).map(([key, property]) => {
        const type = typesOf(property);
        return [key, type ? { type } : {}];
      }),
    ),
    required: Array.isArray(json.required)
      ? json.required.filter((r): r is string => typeof r === 'string')
      : [],
    additionalProperties: json.additionalProperties !== undefined && json.additionalProperties !== false,
  };
}

export function createAgentRegistry(agents: readonly Agent[]): AgentRegistry {
  const registry = new Map<string, Agent>();
  for (const agent of agents) {
    if (registry.has(agent.name)) throw new Error(`Agent "${agent.name}" is registered twice`);
    registry.set(agent.name, agent);
  }
  return registry;
}

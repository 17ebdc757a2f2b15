import { AGENT_INPUTS, BUILTIN_AGENTS, CommandAgentInputSchema } from '../shared/agent-inputs';
import { type AgentInputSchemas, describeInput } from '../shared/input-schema';
import type { BatonConfig } from './schema';

/**
 * The agents a worker with this configuration offers, by name, with the shape of their input: the
 * built-ins, the `llm` agent when a config is loaded, and the config's command agents. The client
 * checks definitions against it before a run starts; the run checks again against its worker.
 * A test keeps it equal to what `configuredAgents` registers.
 */
export function agentCatalog(config?: BatonConfig): { names: string[]; schemas: AgentInputSchemas } {
  const inputs = [
    ...BUILTIN_AGENTS.map((name) => [name, AGENT_INPUTS[name]] as const),
    ...(config ? [['llm', AGENT_INPUTS.llm] as const] : []),
    ...Object.keys(config?.commandAgents ?? {}).map((name) => [name, CommandAgentInputSchema] as const),
  ];
  return {
    names: inputs.map(([name]) => name),
    schemas: Object.fromEntries(inputs.map(([name, schema]) => [name, describeInput(schema)])),
  };
}

import { describe, expect, it } from 'vitest';
import { configuredAgents } from '../../src/activities';
import { agentInputSchema } from '../../src/activities/agents/agent';
import { agentCatalog } from '../../src/config';
import type { BatonConfig } from '../../src/config';

/** What a worker with this config registers, as the catalog describes agents. */
const registered = (config?: BatonConfig) => {
  const agents = configuredAgents(config);
  return {
    names: agents.map((a) => a.name),
    schemas: Object.fromEntries(agents.map((a) => [a.name, agentInputSchema(a)])),
  };
};

describe('the agent catalog the client checks definitions against', () => {
  it('is what a worker registers: without a config', () => {
    expect(agentCatalog()).toEqual(registered());
  });

  it('is what a worker registers: with a config and command agents', () => {
    const config = {
      providers: {},
      agents: {},
      prices: {},
      commandAgents: { coder: { command: 'true', args: [] }, linter: { command: 'true', args: [] } },
    } as unknown as BatonConfig;
    const catalog = agentCatalog(config);
    expect(catalog).toEqual(registered(config));
    expect(catalog.names).toEqual(expect.arrayContaining(['api-spec', 'llm', 'coder', 'linter']));
    expect(catalog.schemas['api-spec']?.properties).toHaveProperty('resources');
    expect(catalog.schemas.coder?.additionalProperties).toBe(true);
  });
});

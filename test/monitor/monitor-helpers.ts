import { z } from 'zod';
import { defineAgent } from '../../src/activities/agents/agent';
import { startRun } from '../../src/client/runs';
import type { Baton } from '../../src/client/connect';
import type { DefinitionInput } from '../../src/shared/definition';
import { testAgents } from '../helpers/agents';

/** Sleeps `ms` (heartbeating, and stopping when cancelled): a phase of a known duration. */
export const sleepAgent = defineAgent({
  name: 'sleep',
  description: 'sleeps for ms milliseconds',
  input: z.object({ ms: z.number().int().min(0) }),
  output: z.object({ slept: z.number() }),
  async run({ ms }, ctx) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      ctx.heartbeat({ left: until - Date.now() });
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, until - Date.now()))));
    }
    return { slept: ms };
  },
});

export const monitorAgents = () => [...testAgents(), sleepAgent];

/** Starts a run of `definition` (its name is the run's BatonTemplate). */
export const startDefinition = (
  baton: Baton,
  id: string,
  definition: DefinitionInput,
  approvalMode: 'auto' | 'manual' = 'manual',
) => startRun(baton, { definition, id, approvalMode, skipAgentCheck: true });

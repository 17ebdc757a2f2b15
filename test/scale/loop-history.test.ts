import { describe, expect, it } from 'vitest';
import { startRun, waitForResult } from '../../src/client/runs';
import { testAgents, tickAgent } from '../helpers/agents';
import { definition, useWorker } from '../helpers/env';

const agentList = [...testAgents(), tickAgent];
const agents = agentList.map((a) => a.name);
const shared = useWorker({ prefix: 'loop-history', agents: agentList });

/** A long loop (about a minute): in `npm run test:scale`, which CI runs after `npm test`. */
describe('a long loop', () => {
  it('50 iterations keep the parent’s history small: each is a child run', async () => {
    const { workflowId } = await startRun(shared.baton, {
      agents,
      definition: definition([
        { id: 'step', agent: 'tick' },
        { id: 'spin', loop: { phases: ['step'], until: 'iteration == 50', maxIterations: 50 } },
      ]),
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const loop = summary.phases.find((p) => p.id === 'spin')?.loop;
    expect(loop?.dropped).toBe(30);
    expect(loop?.iterations.at(-1)).toMatchObject({ number: 50, until: true, state: 'completed' });
    const history = await shared.baton.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    const children = events.filter((e) => e.childWorkflowExecutionCompletedEventAttributes).length;
    expect(children).toBe(50);
    expect(events.length).toBeLessThan(10_240);
    // A few events per iteration, not the body's own events: far under the limit.
    expect(events.length).toBeLessThan(50 * 12);
  }, 240_000);

});

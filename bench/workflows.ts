/**
 * Workflow code for the benchmark bundle: the real `pipeline` workflow, and a hand-written workflow
 * that does the same work without Baton's machinery, as the baseline it is measured against.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../src/activities';

export { pipeline } from '../src/workflows';

export interface HandWrittenChainInput {
  /** Phase ids, run one after the other. */
  phases: string[];
  agent: string;
}

/**
 * Calls `runAgent` once per phase, in sequence, with the options `pipeline` uses for a phase that
 * sets no `timeout`, `retry` or `heartbeatTimeout` (its defaults: 10m, 3 attempts from 1s doubling,
 * 30s), and one proxy per phase with the same summary, so both write the same activity commands.
 * No validation, no status, no search attributes, no gates: that difference is what the bench measures.
 */
export async function handWrittenChain({
  phases,
  agent,
}: HandWrittenChainInput): Promise<{ phases: number }> {
  const { workflowId, runId } = workflowInfo();
  for (const phase of phases) {
    const { runAgent } = proxyActivities<Activities>({
      startToCloseTimeout: '10m',
      heartbeatTimeout: '30s',
      retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, nonRetryableErrorTypes: [] },
      summary: `${phase}: ${agent}`,
    });
    await runAgent({ workflowId, runId, phase, agent, input: {}, run: 1 });
  }
  return { phases: phases.length };
}

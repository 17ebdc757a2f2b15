import { proxyActivities, workflowInfo, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { phaseAgent, type Phase, type Retry } from '../../shared/definition';
import { durationMs } from '../../shared/duration';
import { LIMITS } from '../../shared/limits';
import type { PhaseExecutor } from './executor';

const DEFAULT_RETRY: Retry = { maxAttempts: 3, initialInterval: '1s', backoff: 2, nonRetryable: [] };
const DEFAULT_HEARTBEAT_MS = 30_000;

/** A definition's retry settings as Temporal's retry policy (a phase's, or a parallel phase's tasks'). */
export function retryPolicyOf(retry: Retry): RetryPolicy {
  return {
    maximumAttempts: retry.maxAttempts,
    initialInterval: durationMs(retry.initialInterval, LIMITS.retryIntervalMs),
    backoffCoefficient: retry.backoff,
    maximumInterval:
      retry.maxInterval === undefined ? undefined : durationMs(retry.maxInterval, LIMITS.retryIntervalMs),
    nonRetryableErrorTypes: retry.nonRetryable,
  };
}

/**
 * How long a phase's agent may go without a heartbeat before Temporal retries it elsewhere: the
 * phase's `heartbeatTimeout`, else 30 s, at most `timeoutMs` (`runAgent` beats at least every 10 s
 * whatever the agent does). Agent phases, parallel tasks and the merge queue's agents all use it.
 */
export function heartbeatMsOf(phase: Phase, timeoutMs = Infinity): number {
  return phase.heartbeatTimeout
    ? durationMs(phase.heartbeatTimeout, LIMITS.attemptTimeoutMs)
    : Math.min(DEFAULT_HEARTBEAT_MS, timeoutMs);
}

/** Kind `agent`: one `runAgent` activity, with the phase's timeout, heartbeat and retry policy. */
export const runAgentPhase: PhaseExecutor = async ({ phase, input, run, worktree }) => {
  const agent = phaseAgent(phase);
  const retry = phase.retry ?? DEFAULT_RETRY;
  const timeoutMs = durationMs(phase.timeout, LIMITS.attemptTimeoutMs);
  const { runAgent } = proxyActivities<Activities>({
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: heartbeatMsOf(phase, timeoutMs),
    retry: retryPolicyOf(retry),
    summary: `${phase.id}: ${agent}`,
  });
  const { workflowId, runId } = workflowInfo();
  const result = await runAgent({
    workflowId,
    runId,
    phase: phase.id,
    agent,
    input,
    run,
    // Runs from before worktrees send the old input: the activity then finds the run's workspace.
    ...(worktree ? { worktree } : {}),
  });
  return {
    output: result.output,
    attempts: result.attempt,
    commit: result.commit,
    artifacts: result.artifacts,
    // Results recorded before usage existed have none.
    usage: result.usage ?? {},
    withoutLlm: result.withoutLlm ? [agent] : [],
  };
};

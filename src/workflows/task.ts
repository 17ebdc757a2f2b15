import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { taskKey } from '../shared/parallel';
import type { TaskWorkflowInput, TaskWorkflowResult } from '../shared/task-workflow';
import { retryPolicyOf } from './kinds/agent';

const { createTaskWorktree } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, initialInterval: '200ms' },
});

/**
 * The `task` workflow: one run of one task of a parallel phase, as a child of the run. It gives the
 * task its own worktree on its own branch and runs the task's agent there; the agent's commit on
 * that branch is what the parent's merge queue merges.
 */
export async function task(input: TaskWorkflowInput): Promise<TaskWorkflowResult> {
  const { worktree, branch } = await createTaskWorktree({
    workspace: input.workspace,
    runId: input.parentRunId,
    phase: input.phase,
    task: input.task,
    base: input.base,
  });
  const { runAgent } = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs,
    heartbeatTimeout: Math.min(input.heartbeatMs, input.timeoutMs),
    retry: retryPolicyOf(input.retry),
    summary: `${input.phase}/${input.task}: ${input.agent}`,
  });
  const { workflowId, runId } = workflowInfo();
  const result = await runAgent({
    workflowId,
    runId,
    phase: taskKey(input.phase, input.task),
    agent: input.agent,
    input: input.input,
    run: input.run,
    worktree,
  });
  return {
    worktree,
    branch,
    output: result.output,
    commit: result.commit,
    attempts: result.attempt,
    artifacts: result.artifacts,
    usage: result.usage,
    withoutLlm: result.withoutLlm === true,
  };
}

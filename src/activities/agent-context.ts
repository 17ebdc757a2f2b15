/** The context an agent runs in for one phase attempt: workspace, heartbeat, artifacts, LLM. */
import type { Context } from '@temporalio/activity';
import { redact } from '../config';
import type { ArtifactRef } from '../shared/status';
import type { ArtifactStore } from '../store/artifacts';
import type { AgentContext } from './agents/agent';
import { type Heartbeat, heartbeatEvery, startHeartbeat } from './heartbeat';
import { recordLlmUsage } from './llm-metrics';
import type { Llm, UsageRecord } from './llm';

export interface AttemptContext {
  /** What the agent got: its context, and the heartbeat to stop once it returns. */
  context: AgentContext;
  heartbeat: Heartbeat;
  /** Artifacts the agent stored itself, in order. */
  stored: ArtifactRef[];
  /** One record per LLM call the agent made. */
  usage: UsageRecord[];
}

/**
 * Builds the agent's context inside the running activity and starts heartbeating: on every
 * `context.heartbeat`, and on a timer too, so an agent that forgets to still shows it is alive.
 */
export function createAgentContext(
  activity: Context,
  options: {
    key: { workflowId: string; runId: string; phase: string };
    workspace: string;
    store: ArtifactStore;
    llm: Llm | undefined;
  },
): AttemptContext {
  const { key, store } = options;
  const stored: ArtifactRef[] = [];
  const usage: UsageRecord[] = [];
  let lastDetails: unknown = { phase: key.phase, status: 'started' };
  const heartbeat = startHeartbeat(
    (details) => activity.heartbeat(details),
    () => lastDetails,
    { everyMs: heartbeatEvery(activity.info.heartbeatTimeoutMs) },
  );
  heartbeat.beat();
  const context: AgentContext = {
    workspace: options.workspace,
    workflowId: key.workflowId,
    runId: key.runId,
    phase: key.phase,
    attempt: activity.info.attempt,
    heartbeat(details) {
      lastDetails = details ?? lastDetails;
      heartbeat.beat();
    },
    signal: activity.cancellationSignal,
    log: (message, attributes) => activity.log.info(message, { phase: key.phase, ...attributes }),
    async saveArtifact(artifact) {
      // Agents (command agents above all) may echo the worker's API keys into text they store.
      const content = typeof artifact.content === 'string' ? redact(artifact.content) : artifact.content;
      const ref = await store.put({ ...artifact, content });
      stored.push(ref);
      return ref;
    },
    recordUsage(record) {
      usage.push(record);
      recordLlmUsage(activity.metricMeter, record);
    },
    ...(options.llm && { llm: options.llm }),
  };
  return { context, heartbeat, stored, usage };
}

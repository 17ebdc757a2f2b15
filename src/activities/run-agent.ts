import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import { redact } from '../config';
import {
  RunAgentInputSchema,
  type CheckAgentsInput,
  type CheckAgentsResult,
  type PhaseUsage,
  type RunAgentInput,
  type RunAgentResult,
} from '../shared/activity-contract';
import type { ArtifactRef } from '../shared/status';
import { INLINE_LIMIT_BYTES, SYMLINK_MEDIA_TYPE, type ArtifactStore } from '../store/artifacts';
import { createAgentContext } from './agent-context';
import { agentInputSchema, type AgentRegistry } from './agents/agent';
import { agentFailure, type AgentFailureDetails, describeIssues, toAgentFailure } from './failures';
import type { Llm, UsageRecord } from './llm';
import {
  changedIn,
  commitPhase,
  ensureRepository,
  findPhaseCommit,
  publishBranch,
  insideRoot,
  readAtCommit,
  resultPath,
  workspaceOf,
  type ChangedFile,
} from './workspace';

export type { PhaseUsage, RunAgentInput, RunAgentResult };

/** What a phase run leaves in its commit, under `.baton/results/`. */
type SavedResult = Omit<RunAgentResult, 'commit' | 'artifacts' | 'replayed'> & { stored: ArtifactRef[] };

/** More changed files than this are listed in one manifest artifact instead. */
const MAX_ARTIFACT_REFS = 100;

function sumUsage(records: UsageRecord[]): PhaseUsage {
  return {
    inputTokens: records.reduce((n, r) => n + r.inputTokens, 0),
    outputTokens: records.reduce((n, r) => n + r.outputTokens, 0),
    costUsd: records.reduce((n, r) => n + (r.costUsd ?? 0), 0),
    calls: records.length,
    costKnown: records.every((r) => r.costUsd !== undefined),
  };
}

export interface RunAgentDeps {
  agents: AgentRegistry;
  /** Root directory for per-run workspaces. */
  workspaceRoot: string;
  artifacts: ArtifactStore;
  /** The LLM agents get in their context; without it they all run without one. */
  llm?: Llm | undefined;
}

export function createRunAgent({ agents, workspaceRoot, artifacts: store, llm }: RunAgentDeps) {
  /**
   * The files a phase commit added or changed, stored as artifacts (idempotent: content-addressed).
   * Bytes come from the commit, never from the file system, so a symlink is stored as its link
   * text (media type inode/symlink), never as its target's bytes; a nested repository is not stored.
   */
  async function artifactsOf(
    workspace: string,
    commit: string,
    changed: ChangedFile[],
  ): Promise<ArtifactRef[]> {
    const files = changed.filter((f) => !f.path.startsWith('.baton/') && f.kind !== 'submodule');
    if (files.length > MAX_ARTIFACT_REFS) {
      const listed = files.map((f) => (f.kind === 'symlink' ? `${f.path} (symlink)` : f.path));
      return [
        await store.put({
          name: 'changed-files.json',
          content: JSON.stringify({ commit, files: listed }, null, 2),
        }),
      ];
    }
    const refs: ArtifactRef[] = [];
    for (const file of files) {
      const content = await readAtCommit(workspace, commit, file.path);
      const mediaType = file.kind === 'symlink' ? SYMLINK_MEDIA_TYPE : undefined;
      refs.push(await store.put({ name: file.path, content, ...(mediaType && { mediaType }) }));
    }
    return refs;
  }

  /** Runs one phase's agent in the run's workspace, heartbeating while it works. */
  async function runAgent(raw: RunAgentInput): Promise<RunAgentResult> {
    const request = RunAgentInputSchema.parse(raw);
    const ctx = Context.current();
    const { attempt } = ctx.info;
    const failure: AgentFailureDetails = { attempt, agent: request.agent, phase: request.phase };
    const agent = agents.get(request.agent);
    if (!agent) {
      throw agentFailure(
        'Unknown',
        `Agent "${request.agent}" is not registered on this worker; known agents: ${[...agents.keys()].join(', ')}`,
        { details: [failure] },
      );
    }
    const input = agent.input.safeParse(request.input);
    if (!input.success) {
      throw agentFailure(
        'BadInput',
        `Phase "${request.phase}": input for agent "${agent.name}" is invalid: ${describeIssues(input.error)}`,
        { details: [failure] },
      );
    }
    // The phase's worktree, from the workflow; runs from before worktrees work in the run's workspace.
    let workspace: string;
    try {
      workspace = request.worktree
        ? insideRoot(workspaceRoot, request.worktree, 'worktree')
        : workspaceOf(workspaceRoot, request.workflowId, request.runId);
    } catch (error) {
      throw toAgentFailure(error, failure);
    }
    if (!request.worktree) await ensureRepository(workspace, request.workflowId);
    const key = {
      workflowId: request.workflowId,
      runId: request.runId,
      phase: request.phase,
      run: request.run,
    };

    // Idempotency: a worker that crashed after the work was committed must not redo it.
    const finished = await findPhaseCommit(workspace, key);
    if (finished) {
      // A crash between the commit and its publishing: publish now (a no-op when it went through).
      await publishBranch(workspace);
      const { stored, ...saved } = JSON.parse(
        (await readAtCommit(workspace, finished, resultPath(request.phase, request.run))).toString('utf8'),
      ) as SavedResult;
      const refs = [
        ...stored,
        ...(await artifactsOf(workspace, finished, await changedIn(workspace, finished))),
      ];
      return { ...saved, attempt, commit: finished, artifacts: dedupe(refs), replayed: true };
    }

    const { context, heartbeat, stored, usage } = createAgentContext(ctx, { key, workspace, store, llm });
    const startedAt = new Date().toISOString();
    try {
      const output = await agent.run(input.data, context);
      const parsed = agent.output.safeParse(output);
      if (!parsed.success) {
        throw agentFailure(
          'BadOutput',
          `Agent "${agent.name}" returned output that does not match its schema: ${describeIssues(parsed.error)}`,
        );
      }
      // Outputs go into history: an agent that echoed an API key from the environment must not leak it.
      const json = redact(JSON.stringify(parsed.data) ?? 'null');
      let kept: unknown = JSON.parse(json);
      if (Buffer.byteLength(json) > INLINE_LIMIT_BYTES) {
        const ref = await store.put({
          name: `${request.phase}.output.json`,
          content: json,
          mediaType: 'application/json',
        });
        stored.push(ref);
        kept = { $artifact: ref, note: `output of ${Buffer.byteLength(json)} bytes kept outside history` };
      }
      const withoutLlm = agent.llm === 'optional' && !llm?.configured(agent.name) ? true : undefined;
      const saved: SavedResult = {
        output: kept,
        attempt,
        startedAt,
        endedAt: new Date().toISOString(),
        usage: sumUsage(usage),
        withoutLlm,
        stored,
      };
      // The result goes into the phase's commit, so a retry after a crash returns it instead of redoing the work.
      const path = join(workspace, resultPath(request.phase, request.run));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(saved, null, 2));
      const { commit, changed } = await commitPhase(workspace, { ...key, attempt, agent: agent.name });
      const refs = [...stored, ...(await artifactsOf(workspace, commit, changed))];
      const { stored: _stored, ...result } = saved;
      return { ...result, commit, artifacts: dedupe(refs) };
    } catch (error) {
      throw toAgentFailure(error, failure);
    } finally {
      heartbeat.stop();
    }
  }
  return runAgent;
}

function dedupe(refs: ArtifactRef[]): ArtifactRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.name} ${r.sha256}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function createCheckAgents({ agents }: Pick<RunAgentDeps, 'agents'>) {
  // Computed once per worker: the registry does not change while it runs.
  const schemas = new Map([...agents.values()].map((agent) => [agent.name, agentInputSchema(agent)]));
  /**
   * Tells the workflow which of the agents its definition names this worker does not know, and the
   * input schemas of those it knows (to check phase inputs and a gate's `changes` against).
   */
  async function checkAgents({ names }: CheckAgentsInput): Promise<CheckAgentsResult> {
    const known = names.filter((n) => agents.has(n));
    return {
      unknown: names.filter((n) => !agents.has(n)),
      known: [...agents.keys()].sort(),
      schemas: Object.fromEntries(known.map((n) => [n, schemas.get(n)]).filter(([, s]) => s !== undefined)),
    };
  }
  return checkAgents;
}

/**
 * One dashboard snapshot: every active run (visibility), each with its `status` (asked all at
 * once, briefly: a run whose worker does not answer is shown from its search attributes) and its
 * ETA, sorted so that runs waiting on a person come first.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { statusQuery } from '../../shared/messages';
import { BatonPendingGates, BatonProgress, BatonTemplate } from '../../shared/search-attributes';
import type { PhaseStatus, RunStatus } from '../../shared/status';
import type { Baton } from '../connect';
import { runEta } from './eta';
import { runsQuery } from './run-records';
import type { DashboardRun, DashboardSnapshot } from './schemas';

/** The dashboard asks many runs every second, so it waits less for each than `status` does. */
const QUERY_TIMEOUT_MS = 2_000;

type AgentCounts = DashboardRun['agents'];

const AGENT_BUCKET: Record<string, keyof Omit<AgentCounts, 'total'> | undefined> = {
  running: 'running',
  done: 'done',
  skipped: 'done',
  'failed-handled': 'done',
  dropped: 'done',
  pending: 'waiting',
  'waiting-lock': 'waiting',
  'awaiting-approval': 'waiting',
};

/** Agents at work, done and waiting: each agent phase, and each task of a parallel phase. */
function agentCounts(phases: readonly PhaseStatus[]): AgentCounts {
  const counts: AgentCounts = { running: 0, done: 0, waiting: 0, total: 0 };
  const states = phases.flatMap((p) =>
    p.parallel && p.parallel.tasks.length ? p.parallel.tasks.map((t) => t.state as string) : [p.state],
  );
  for (const state of states) {
    counts.total += 1;
    const bucket = AGENT_BUCKET[state];
    if (bucket) counts[bucket] += 1;
  }
  return counts;
}

function conflictCounts(phases: readonly PhaseStatus[]): DashboardRun['conflicts'] {
  const all = phases.flatMap((p) => p.parallel?.conflicts ?? []);
  const count = (outcome: string) => all.filter((c) => c.outcome === outcome).length;
  return { total: all.length, resolved: count('resolved'), human: count('human'), pending: count('pending') };
}

const ageMs = (from: string | undefined, now: number) =>
  from === undefined ? undefined : Math.max(0, now - Date.parse(from));

/** A row from the run's status. */
async function rowOf(
  baton: Baton,
  info: WorkflowExecutionInfo,
  status: RunStatus,
  etaRuns: number,
  now: number,
) {
  const template = info.typedSearchAttributes.get(BatonTemplate);
  const eta = await runEta(baton, status, { template, n: etaRuns }).catch(() => undefined);
  const gates = status.gates.map((g) => ({
    id: g.id,
    phase: g.phase,
    kind: g.kind,
    title: g.title,
    openedAt: g.openedAt,
    ageMs: ageMs(g.openedAt, now),
  }));
  const row: DashboardRun = {
    workflowId: info.workflowId,
    ...(template !== undefined ? { template } : {}),
    state: gates.length ? 'waiting' : 'running',
    startedAt: status.startedAt ?? info.startTime.toISOString(),
    stage: status.phases
      .filter((p) => p.state === 'running' || p.state === 'awaiting-approval')
      .map((p) => p.id),
    agents: agentCounts(status.phases),
    progress: status.progress,
    ...(eta ? { eta } : {}),
    gates,
    conflicts: conflictCounts(status.phases),
    needsHuman: gates.length > 0,
  };
  return row;
}

/** A row from search attributes alone, for a run no worker answered. */
function attributeRow(info: WorkflowExecutionInfo, why: string): DashboardRun {
  const pending = info.typedSearchAttributes.get(BatonPendingGates) ?? [];
  const percent = info.typedSearchAttributes.get(BatonProgress) ?? 0;
  const template = info.typedSearchAttributes.get(BatonTemplate);
  return {
    workflowId: info.workflowId,
    ...(template !== undefined ? { template } : {}),
    state: pending.length ? 'waiting' : 'running',
    startedAt: info.startTime.toISOString(),
    stage: pending,
    agents: { running: 0, done: 0, waiting: 0, total: 0 },
    progress: { done: 0, total: 0, percent },
    gates: pending.map((phase) => ({ id: phase, phase, kind: 'approval', title: phase })),
    conflicts: { total: 0, resolved: 0, human: 0, pending: 0 },
    needsHuman: pending.length > 0,
    unanswered: why,
  };
}

/** The oldest open gate's time, for sorting (runs without one sort after). */
const oldestGate = (run: DashboardRun) =>
  Math.min(...run.gates.map((g) => (g.openedAt ? Date.parse(g.openedAt) : Date.parse(run.startedAt))));

/** Runs needing a person first, the one waiting longest first; then the rest, oldest start first. */
export function sortRuns(runs: DashboardRun[]): DashboardRun[] {
  return [...runs].sort((a, b) => {
    if (a.needsHuman !== b.needsHuman) return a.needsHuman ? -1 : 1;
    if (a.needsHuman) return oldestGate(a) - oldestGate(b) || a.workflowId.localeCompare(b.workflowId);
    return Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.workflowId.localeCompare(b.workflowId);
  });
}

/** Every active run now, as the dashboard shows it. */
export async function dashboardSnapshot(
  baton: Baton,
  { template, etaRuns, limit }: { template?: string; etaRuns: number; limit: number },
): Promise<DashboardSnapshot> {
  const query = runsQuery({ template, status: 'Running' });
  const infos: WorkflowExecutionInfo[] = [];
  let truncated = false;
  for await (const info of baton.client.workflow.list({ query, pageSize: Math.min(limit + 1, 100) })) {
    if (infos.length >= limit) {
      truncated = true;
      break;
    }
    infos.push(info);
  }
  const now = Date.now();
  const timeoutMs = Math.min(baton.queryTimeoutMs, QUERY_TIMEOUT_MS);
  const runs = await Promise.all(
    infos.map((info) =>
      baton.connection
        .withDeadline(Date.now() + timeoutMs, () =>
          baton.client.workflow.getHandle(info.workflowId, info.runId).query(statusQuery),
        )
        .then(
          (status) => rowOf(baton, info, status, etaRuns, now),
          () => attributeRow(info, `no worker answered within ${timeoutMs / 1000}s`),
        ),
    ),
  );
  const note =
    infos.length === 0
      ? template !== undefined
        ? `no active run of template "${template}" (see \`baton templates\` and \`baton runs --template\`)`
        : 'no active run'
      : undefined;
  return {
    at: new Date(now).toISOString(),
    runs: sortRuns(runs),
    truncated,
    ...(note ? { note } : {}),
  };
}

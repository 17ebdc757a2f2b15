/**
 * `baton report <run>`: one summary of a run (state, phases, gates and decisions, artifacts, branch
 * or pull request) as JSON or Markdown, for a CI step summary. A closed run is read from its
 * result in history (no worker needed); an open one from its `status` query.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { RunStatus } from '../shared/status';
import type { Baton } from './connect';
import { describeRun, getStatus, handleOf } from './run-info';

export interface RunReport {
  id: string;
  state: string;
  template?: string;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  phases: { id: string; state: string; agent: string; attempts: number; durationMs?: number; tokens: number; costUsd: number }[];
  gates: { gate: string; phase: string; kind: string }[];
  decisions: { phase: string; action: string; by: string; via: string; at: string; comment?: string }[];
  artifacts: { phase: string; name: string; uri: string; bytes: number }[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  branch?: string;
  pullRequest?: string;
}

function fromStatus(id: string, s: RunStatus): RunReport {
  const pr = (s.phases.find((p) => p.agent === 'pull-request')?.output as { url?: string } | undefined)?.url;
  return {
    id,
    state: s.state,
    ...(s.template ? { template: s.template } : {}),
    startedAt: s.startedAt,
    ...(s.endedAt ? { endedAt: s.endedAt } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    phases: s.phases.map((p) => ({
      id: p.id,
      state: p.state,
      agent: p.agent,
      attempts: p.attempts,
      ...(p.startedAt && p.endedAt ? { durationMs: Date.parse(p.endedAt) - Date.parse(p.startedAt) } : {}),
      tokens: p.usage.inputTokens + p.usage.outputTokens,
      costUsd: p.usage.costUsd,
    })),
    gates: s.gates.map((g) => ({ gate: g.id, phase: g.phase, kind: g.kind })),
    decisions: s.decisions.map((d) => ({
      phase: d.phase,
      action: d.action,
      by: d.by,
      via: d.via,
      at: d.at,
      ...(d.comment ? { comment: d.comment } : {}),
    })),
    artifacts: s.phases.flatMap((p) =>
      (p.artifacts ?? []).map((a) => ({ phase: p.id, name: a.name, uri: a.uri, bytes: a.bytes })),
    ),
    usage: { inputTokens: s.usage.inputTokens, outputTokens: s.usage.outputTokens, costUsd: s.usage.costUsd },
    ...(s.result?.branch ? { branch: s.result.branch.name } : {}),
    ...(pr ? { pullRequest: pr } : {}),
  };
}

export async function runReport(baton: Baton, id: string): Promise<RunReport> {
  const description = await describeRun(baton, id);
  const closed = description.status.name !== 'RUNNING';
  if (closed) {
    try {
      return fromStatus(id, (await handleOf(baton, id).result()) as RunStatus);
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const state = description.status.name === 'CANCELLED' ? 'cancelled' : 'failed';
      return {
        ...emptyReport(id, state),
        startedAt: description.startTime.toISOString(),
        ...(description.closeTime ? { endedAt: description.closeTime.toISOString() } : {}),
        reason: error.cause?.message ?? error.message,
      };
    }
  }
  return fromStatus(id, await getStatus(baton, id));
}

const emptyReport = (id: string, state: string): RunReport => ({
  id,
  state,
  phases: [],
  gates: [],
  decisions: [],
  artifacts: [],
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
});

/** Table cells hold no pipes or newlines (they would break the table). */
const cell = (text: string | number) => String(text).replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const seconds = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const ICON: Record<string, string> = { completed: '✅', rejected: '⛔', failed: '❌', cancelled: '🚫' };

export function renderReportMarkdown(r: RunReport): string {
  const lines = [
    `## ${ICON[r.state] ?? '⏳'} Baton run \`${cell(r.id)}\`: ${r.state}`,
    '',
    `- template: ${r.template ? `\`${cell(r.template)}\`` : '-'}`,
    `- started: ${r.startedAt ?? '-'}${r.endedAt ? `, ended: ${r.endedAt}` : ''}`,
    ...(r.reason ? [`- reason: ${cell(r.reason)}`] : []),
    ...(r.branch ? [`- branch: \`${cell(r.branch)}\``] : []),
    ...(r.pullRequest ? [`- pull request: ${r.pullRequest}`] : []),
    `- usage: ${r.usage.inputTokens + r.usage.outputTokens} tokens, $${r.usage.costUsd.toFixed(4)}`,
    '',
    '### Phases',
    '',
    '| phase | agent | state | duration | attempts | tokens | cost |',
    '|---|---|---|---|---|---|---|',
    ...r.phases.map(
      (p) =>
        `| ${cell(p.id)} | ${cell(p.agent)} | ${p.state} | ${seconds(p.durationMs)} | ${p.attempts} | ${p.tokens} | $${p.costUsd.toFixed(4)} |`,
    ),
  ];
  if (r.gates.length)
    lines.push('', '### Open gates', '', ...r.gates.map((g) => `- \`${cell(g.gate)}\` (${g.kind}) at ${cell(g.phase)}`));
  if (r.decisions.length)
    lines.push(
      '',
      '### Decisions',
      '',
      '| phase | action | by | via | at | comment |',
      '|---|---|---|---|---|---|',
      ...r.decisions.map(
        (d) => `| ${cell(d.phase)} | ${d.action} | ${cell(d.by)} | ${d.via} | ${d.at} | ${cell(d.comment ?? '')} |`,
      ),
    );
  if (r.artifacts.length)
    lines.push('', '### Artifacts', '', ...r.artifacts.map((a) => `- ${cell(a.phase)}: \`${cell(a.name)}\` (${a.bytes} bytes)`));
  return lines.join('\n') + '\n';
}

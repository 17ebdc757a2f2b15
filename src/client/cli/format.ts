import type { RunStatus } from '../../shared/status';
import type { ArtifactListing, InboxItem, RunListing, TemplateInfo } from '../api-schemas';
import { batonCommand } from '../errors';
import type { PredictedConflict } from '../../shared/parallel';
import {
  nextCommand,
  parallelSummary,
  predictedLines,
  renderParallelGate,
  renderParallelPhase,
} from './parallel-format';
import { messagingLines } from './message-commands';
import { childLines } from './children-format';
import { requirementsLines } from './requirements-format';
import { failureGateLines, phaseNote } from './flow-format';
import { resultLines } from './result-format';
import { brief, elapsed, indent, safe, table } from './text';

export { table } from './text';

/** Under a parallel phase's row: its tasks, conflicts and merge queue, indented. */
const UNDER_ROW = '    ';

export function renderStatus(id: string, status: RunStatus): string {
  const { done, total, percent } = status.progress;
  const run = safe(id);
  const phaseRows = table(
    ['PHASE', 'AGENT', 'STATE', 'ATTEMPTS', 'RUNS', 'TIME', 'COMMIT', 'TOKENS', 'OUTPUT'],
    status.phases.map((p) => [
      p.id,
      p.agent,
      p.state,
      String(p.attempts),
      String(p.runs),
      elapsed(p.startedAt, p.endedAt),
      p.commit?.slice(0, 10) ?? '',
      p.usage?.calls ? String(p.usage.inputTokens + p.usage.outputTokens) : '',
      phaseNote(p) ?? (p.error ? `error: ${brief(p.error.message)}` : brief(p.output)),
    ]),
  ).split('\n');
  const out = [
    `Run ${run} (${safe(status.template ?? status.name)})  ${safe(status.state).toUpperCase()}  ${done}/${total} phases, ${percent}%${status.approvalMode === 'auto' ? '  [auto-approve]' : ''}`,
    ...parallelSummary(status.phases),
    '',
    // Row i + 1 is phase i (row 0 is the header); a parallel phase's block goes right under its row.
    ...phaseRows.flatMap((row, i) => {
      const parallel = i > 0 ? status.phases[i - 1]?.parallel : undefined;
      return parallel
        ? [row, indent(renderParallelPhase(parallel), UNDER_ROW)]
        : [row, ...childLines(i > 0 ? status.phases[i - 1] : undefined, UNDER_ROW)];
    }),
  ];
  const usage = status.usage;
  if (usage?.calls || status.budget) {
    const budget = status.budget
      ? `  budget: ${[status.budget.tokens && `${status.budget.tokens} tokens`, status.budget.costUsd && `$${status.budget.costUsd}`].filter(Boolean).join(', ')}`
      : '';
    out.push(
      '',
      `LLM usage: ${usage.calls} calls, ${usage.inputTokens} in + ${usage.outputTokens} out tokens, $${usage.costUsd.toFixed(4)}${budget}`,
    );
  }
  out.push(...resultLines(status));
  out.push(...messagingLines(status, run));
  if (status.agentsWithoutLlm?.length) {
    out.push('', `Ran without an LLM (none configured): ${safe(status.agentsWithoutLlm.join(', '))}`);
  }
  for (const gate of status.gates) {
    const parallelGate = renderParallelGate(gate, id, status);
    if (parallelGate) {
      out.push(...parallelGate);
      continue;
    }
    const failed = failureGateLines(gate, run);
    if (failed) {
      out.push(...failed);
      continue;
    }
    const phase = safe(gate.phase);
    if (gate.kind === 'budget') {
      out.push('', `Budget gate before ${safe(gate.title)} (${phase}): ${safe(gate.reason)}`);
      out.push(
        `  Raise: ${batonCommand(`modify ${run} ${phase} --set budget.tokens=N`)}   (or --set phaseBudget.costUsd=N)`,
      );
      out.push(`  Or: ${batonCommand(`approve|skip|reject ${run} ${phase}`)}`);
      continue;
    }
    out.push(
      '',
      `Gate open: ${safe(gate.title)} (${phase}) since ${safe(gate.openedAt)}${gate.deadline ? `, ${safe(gate.onTimeout)} at ${safe(gate.deadline)}` : ''}`,
    );
    if (gate.instructions) out.push(`  ${safe(gate.instructions)}`);
    out.push(...governanceLines(gate));
    // A plan gate (a decompose phase's) shows where the tasks it plans will meet.
    const predicted = (gate as { output?: { predictedConflicts?: unknown } }).output?.predictedConflicts;
    if (Array.isArray(predicted) && predicted.every(isPredictedConflict)) {
      out.push(...predictedLines(predicted).map((line) => `  ${line}`));
    }
    // A spec gate (api-spec's) shows what was read from the requirements.
    out.push(...requirementsLines((gate as { output?: unknown }).output, run, phase));
    out.push(
      `  Decide: ${batonCommand(`approve|reject|retry|skip ${run} ${phase}`)}   or   ${batonCommand(`modify ${run} ${phase} --set key=value`)}`,
    );
  }
  if (status.decisions.length) {
    out.push('', 'Decisions:');
    for (const d of status.decisions) {
      out.push(
        `  ${safe(d.at)}  ${safe(d.phase)}: ${safe(d.action)} by ${safe(d.by)}${d.role ? ` as ${safe(d.role)}` : ''} (${safe(d.via)}${d.signature ? `, signature ${d.signature}` : ''})${d.approvedBy ? ` with ${safe(d.approvedBy.join(', '))}` : ''}${d.comment ? ` — ${safe(d.comment)}` : ''}`,
      );
    }
  }
  if (status.ignoredSignals.length) {
    out.push('', 'Ignored signals:');
    for (const s of status.ignoredSignals)
      out.push(`  ${safe(s.at)}  ${brief(s.payload)}: ${safe(s.reason)}`);
  }
  if (status.notificationFailures?.length) {
    out.push('', 'Notifications that could not be delivered (see docs/notifications.md):');
    for (const f of status.notificationFailures)
      out.push(`  ${safe(f.at)}  ${safe(f.event)}: ${safe(f.error)}`);
  }
  if (status.reason) out.push('', safe(status.reason));
  return out.join('\n');
}

export function renderInbox(items: InboxItem[]): string {
  if (items.length === 0) return 'No open gates.';
  // Child runs (of pipeline and loop phases) name their parent; without any, the columns are as before.
  const parents = items.some((i) => i.parent);
  const rows = table(
    ['RUN', 'TEMPLATE', 'PHASE', 'KIND', 'WAITING', 'DECIDE WITH', ...(parents ? ['PARENT'] : [])],
    items.map((i) => [
      i.workflowId,
      i.template ?? '',
      i.phase,
      i.kind ?? '',
      i.unanswered ? '?' : elapsed(i.openedAt),
      nextCommand(i.kind, i.workflowId, i.phase),
      ...(parents ? [i.parent ?? ''] : []),
    ]),
  );
  return items.some((i) => i.unanswered)
    ? `${rows}\n\n? : the run did not answer its status query; is a worker polling its task queue? (\`${batonCommand('worker')}\`)`
    : rows;
}

export function renderRuns(runs: RunListing[]): string {
  if (runs.length === 0) return 'No runs.';
  return table(
    ['RUN', 'TEMPLATE', 'STATE', 'STARTED', 'GATES', 'PROGRESS'],
    runs.map((r) => [
      r.workflowId,
      r.template ?? '',
      r.state,
      r.startTime.replace(/\.\d+Z$/, 'Z'),
      r.pendingGates.join(','),
      r.progress === undefined ? '' : `${r.progress}%`,
    ]),
  );
}

export function renderArtifacts(items: ArtifactListing[]): string {
  if (items.length === 0) return 'No artifacts.';
  return table(
    ['PHASE', 'NAME', 'BYTES', 'TYPE', 'URI'],
    items.map((i) => [
      i.phase,
      i.artifact.name,
      String(i.artifact.bytes),
      i.artifact.mediaType,
      i.artifact.uri,
    ]),
  );
}

const shown = (value: unknown): string =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** Each template's phases, then its params: what `--param` takes, and what a run needs. */
export function renderTemplates(templates: TemplateInfo[]): string {
  const out = [
    table(
      ['TEMPLATE', 'PHASES', 'DESCRIPTION'],
      templates.map((t) => [t.name, t.phases.join(' → '), t.description.split('\n')[0] ?? '']),
    ),
  ];
  for (const t of templates) {
    const params = Object.entries(t.params);
    out.push('', `${safe(t.name)} params${params.length ? ` (--param name=value):` : ': none'}`);
    if (!params.length) continue;
    const rows = table(
      ['NAME', 'TYPE', 'DEFAULT', 'REQUIRED', 'DESCRIPTION'],
      params.map(([name, p]) => [
        name,
        p.type,
        shown(p.default),
        p.required ? 'yes' : 'no',
        [
          p.description ?? '',
          ...Object.entries(p.rules ?? {}).map(([rule, value]) => `${rule}: ${shown(value)}`),
        ]
          .filter(Boolean)
          .join('; '),
      ]),
    );
    out.push(rows.replace(/^/gm, '  '));
  }
  return out.join('\n');
}

function isPredictedConflict(value: unknown): value is PredictedConflict {
  const v = value as PredictedConflict | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.tasks) &&
    v.tasks.length === 2 &&
    Array.isArray(v.paths) &&
    [...v.tasks, ...v.paths].every((x) => typeof x === 'string')
  );
}

/** Who may decide the gate, what its digest is, and where its approvals, reminders and escalation stand. */
function governanceLines(gate: RunStatus['gates'][number]): string[] {
  const lines: string[] = [];
  if (gate.approvers) {
    const names = gate.approverNames?.length
      ? gate.approverNames.join(', ')
      : 'nobody (no one holds these roles)';
    lines.push(
      `  Approvers: ${safe(names)}${gate.escalatedAt ? ` (escalated at ${safe(gate.escalatedAt)})` : ''}`,
    );
  }
  if (gate.minApprovals) {
    const by = (gate.approvals ?? []).map((a) => a.by);
    lines.push(
      `  Approvals: ${by.length} of ${gate.minApprovals}${by.length ? ` (${safe(by.join(', '))})` : ''}: different people must approve`,
    );
  }
  if (gate.reminders) lines.push(`  Reminders sent: ${gate.reminders}`);
  if (gate.policyError) lines.push(`  Policy could not decide: ${safe(gate.policyError)}`);
  if (gate.digest) lines.push(`  Digest: ${gate.digest}`);
  return lines;
}

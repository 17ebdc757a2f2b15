import { formatDuration } from '../shared/duration';
import type { RunStatus } from '../shared/status';
import type { ArtifactListing, InboxItem } from './runs';
import type { TemplateInfo } from './templates';

/** A plain text table: a header row and left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function elapsed(from?: string, to?: string): string {
  if (!from) return '';
  return formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from));
}

function brief(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderStatus(id: string, status: RunStatus): string {
  const { done, total, percent } = status.progress;
  const out = [
    `Run ${id} (${status.template ?? status.name})  ${status.state.toUpperCase()}  ${done}/${total} phases, ${percent}%${status.approvalMode === 'auto' ? '  [auto-approve]' : ''}`,
    '',
    table(
      ['PHASE', 'AGENT', 'STATE', 'ATTEMPTS', 'TIME', 'COMMIT', 'TOKENS', 'OUTPUT'],
      status.phases.map((p) => [
        p.id,
        p.agent,
        p.state,
        String(p.attempts),
        elapsed(p.startedAt, p.endedAt),
        p.commit?.slice(0, 10) ?? '',
        p.usage?.calls ? String(p.usage.inputTokens + p.usage.outputTokens) : '',
        p.error ? `error: ${brief(p.error.message)}` : brief(p.output),
      ]),
    ),
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
  if (status.agentsWithoutLlm?.length) {
    out.push('', `Ran without an LLM (none configured): ${status.agentsWithoutLlm.join(', ')}`);
  }
  for (const gate of status.gates) {
    if (gate.kind === 'budget') {
      out.push('', `Budget gate before ${gate.title} (${gate.phase}): ${gate.reason ?? ''}`);
      out.push(
        `  Raise: baton modify ${id} ${gate.phase} --set budget.tokens=N   (or --set phaseBudget.costUsd=N)`,
      );
      out.push(`  Or: baton approve|skip|reject ${id} ${gate.phase}`);
      continue;
    }
    out.push(
      '',
      `Gate open: ${gate.title} (${gate.phase}) since ${gate.openedAt}${gate.deadline ? `, ${gate.onTimeout} at ${gate.deadline}` : ''}`,
    );
    if (gate.instructions) out.push(`  ${gate.instructions}`);
    out.push(
      `  Decide: baton approve|reject|retry|skip ${id} ${gate.phase}   or   baton modify ${id} ${gate.phase} --set key=value`,
    );
  }
  if (status.decisions.length) {
    out.push('', 'Decisions:');
    for (const d of status.decisions) {
      out.push(
        `  ${d.at}  ${d.phase}: ${d.action} by ${d.by} (${d.via})${d.comment ? ` — ${d.comment}` : ''}`,
      );
    }
  }
  if (status.ignoredSignals.length) {
    out.push('', 'Ignored signals:');
    for (const s of status.ignoredSignals) out.push(`  ${s.at}  ${brief(s.payload)}: ${s.reason}`);
  }
  if (status.reason) out.push('', status.reason);
  return out.join('\n');
}

export function renderInbox(items: InboxItem[]): string {
  if (items.length === 0) return 'No open gates.';
  const rows = table(
    ['RUN', 'TEMPLATE', 'PHASE', 'WAITING', 'APPROVE WITH'],
    items.map((i) => [
      i.workflowId,
      i.template ?? '',
      i.phase,
      i.unanswered ? '?' : elapsed(i.openedAt),
      `baton approve ${i.workflowId} ${i.phase}`,
    ]),
  );
  return items.some((i) => i.unanswered)
    ? `${rows}\n\n? : the run did not answer its status query; is a worker polling its task queue? (\`baton worker\`)`
    : rows;
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

export function renderTemplates(templates: TemplateInfo[]): string {
  return table(
    ['TEMPLATE', 'PHASES', 'DESCRIPTION'],
    templates.map((t) => [t.name, t.phases.join(' → '), t.description.split('\n')[0] ?? '']),
  );
}

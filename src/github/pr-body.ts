/**
 * A pull request's description from a run's summary: its phases (state, attempts, duration),
 * decisions (who, when), the review's findings, the build's result, tokens and cost. Pure: the
 * caller gathers the status (`baton pr` from the run, the `pull-request` agent from the workspace).
 * Every value from the run is escaped, so a finding or a comment cannot add links, mentions,
 * markup or lines of its own.
 */
import { z } from 'zod';
import type { DecisionRecord, PhaseStatus, RunStatus, Usage } from '../shared/status';

export type PrPhase = Pick<PhaseStatus, 'id' | 'agent' | 'state' | 'attempts'> &
  Partial<Pick<PhaseStatus, 'title' | 'startedAt' | 'endedAt' | 'output' | 'usage' | 'runs'>>;

export type PrDecision = Pick<DecisionRecord, 'phase' | 'action' | 'by' | 'at'> &
  Partial<Pick<DecisionRecord, 'comment' | 'gate' | 'via'>>;

export interface PrBodyInput extends Partial<
  Pick<RunStatus, 'name' | 'template' | 'state' | 'budget' | 'decisionsDropped'>
> {
  runId: string;
  phases: PrPhase[];
  /** Undefined when they are not known (the worker does not see them): the body says so. */
  decisions?: PrDecision[];
  usage?: Usage;
  /** A line under the heading: where the summary comes from, and what it leaves out. */
  note?: string;
}

/** GitHub refuses bodies over 65,536 characters; stay below, with room for the cut notice. */
const MAX_BODY = 60_000;
const MAX_FINDINGS = 25;
const MAX_TEXT = 300;

/** Characters shown as entities (HTML, mentions, references); the rest of the set is backslash-escaped. */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '@': '&#64;',
  '#': '&#35;',
};

/**
 * Text from the run, safe inline in Markdown (a table cell included): control characters and
 * line breaks become spaces, HTML, mentions (`@`) and references (`#`) become entities, and
 * Markdown's punctuation is backslash-escaped.
 */
export function escapeMarkdown(value: unknown, max = MAX_TEXT): string {
  let text = String(value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .trim();
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text.replace(/[&<>@#\\`*_[\]|~]/g, (c) => ENTITIES[c] ?? `\\${c}`);
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const count = (n: number) => n.toLocaleString('en-US');

function duration(phase: PrPhase): string {
  if (!phase.startedAt || !phase.endedAt) return phase.startedAt ? 'running' : '';
  const ms = Date.parse(phase.endedAt) - Date.parse(phase.startedAt);
  return Number.isFinite(ms) ? formatDuration(ms) : '';
}

function phaseTokens(usage: Usage | undefined): string {
  if (!usage || usage.calls === 0) return '';
  return count(usage.inputTokens + usage.outputTokens);
}

function phasesSection(phases: PrPhase[]): string[] {
  if (phases.length === 0) return ['### Phases', '', 'No phase has run yet.'];
  const rows = phases.map((p) => {
    const name =
      p.title && p.title !== p.id
        ? `${escapeMarkdown(p.id)} (${escapeMarkdown(p.title)})`
        : escapeMarkdown(p.id);
    const runs = p.runs && p.runs > 1 ? ` in ${p.runs} runs` : '';
    return `| ${name} | ${escapeMarkdown(p.agent)} | ${escapeMarkdown(p.state)} | ${p.attempts}${runs} | ${duration(p)} | ${phaseTokens(p.usage)} |`;
  });
  return [
    '### Phases',
    '',
    '| Phase | Agent | State | Attempts | Duration | Tokens |',
    '|---|---|---|---|---|---|',
    ...rows,
  ];
}

function decisionsSection(decisions: PrDecision[] | undefined, dropped: number | undefined): string[] {
  const lines = ['### Decisions', ''];
  if (decisions === undefined) return [...lines, 'Not known here: `baton status <run>` lists them.'];
  if (decisions.length === 0) lines.push('None: no gate was decided.');
  for (const d of decisions) {
    const via = d.via && d.via !== 'update' && d.via !== 'signal' ? ` (${escapeMarkdown(d.via)})` : '';
    const comment = d.comment ? `: “${escapeMarkdown(d.comment)}”` : '';
    lines.push(
      `- **${escapeMarkdown(d.action)}** at ${escapeMarkdown(d.gate ?? d.phase)} by ${escapeMarkdown(d.by)}${via}, ${escapeMarkdown(d.at)}${comment}`,
    );
  }
  if (dropped) lines.push(`- … and ${dropped} older decisions (the run's history has them all)`);
  return lines;
}

const ReviewOutputSchema = z.object({
  findings: z.array(
    z.object({
      file: z.string(),
      line: z.number().optional(),
      severity: z.string(),
      rule: z.string(),
      message: z.string(),
    }),
  ),
  errors: z.number(),
  warnings: z.number(),
  passed: z.boolean(),
  reportPath: z.string().optional(),
  omitted: z.number().optional(),
});

const BuildOutputSchema = z.object({
  compiled: z.boolean(),
  compiler: z.string().optional(),
  tests: z.object({ passed: z.number(), failed: z.number() }),
  notCompiled: z.array(z.string()).optional(),
  reason: z.string().optional(),
});

/** The phases whose output has the shape of `agent`'s (a big output is kept as an artifact ref instead). */
function outputsOf<T>(
  phases: PrPhase[],
  agent: string,
  schema: z.ZodType<T>,
): Array<{ phase: PrPhase; output: T }> {
  return phases.flatMap((phase) => {
    if (phase.agent !== agent) return [];
    const parsed = schema.safeParse(phase.output);
    return parsed.success ? [{ phase, output: parsed.data }] : [];
  });
}

function reviewSection(phases: PrPhase[]): string[] {
  const reviews = outputsOf(phases, 'review', ReviewOutputSchema);
  if (reviews.length === 0) return [];
  const lines = ['### Review', ''];
  for (const { phase, output } of reviews) {
    const verdict = output.passed ? 'passed' : 'did not pass';
    lines.push(
      `${escapeMarkdown(phase.id)}: ${verdict}, ${output.errors} errors, ${output.warnings} warnings.`,
      '',
    );
    for (const f of output.findings.slice(0, MAX_FINDINGS)) {
      const where = f.line === undefined ? f.file : `${f.file}:${f.line}`;
      lines.push(
        `- ${escapeMarkdown(f.severity)} ${escapeMarkdown(where)} (${escapeMarkdown(f.rule)}): ${escapeMarkdown(f.message)}`,
      );
    }
    const more = Math.max(0, output.findings.length - MAX_FINDINGS) + (output.omitted ?? 0);
    if (more)
      lines.push(
        `- … and ${more} more${output.reportPath ? ` in ${escapeMarkdown(output.reportPath)}` : ''}`,
      );
    if (output.findings.length) lines.push('');
  }
  return trimEnd(lines);
}

function buildSection(phases: PrPhase[]): string[] {
  const builds = outputsOf(phases, 'build', BuildOutputSchema);
  if (builds.length === 0) return [];
  const lines = ['### Build', ''];
  for (const { phase, output } of builds) {
    const compiled = output.compiled ? 'compiled' : 'not compiled';
    const by = output.compiler ? ` (${escapeMarkdown(output.compiler)})` : '';
    lines.push(
      `- ${escapeMarkdown(phase.id)}: ${compiled}${by}; tests: ${output.tests.passed} passed, ${output.tests.failed} failed`,
    );
    if (output.notCompiled?.length)
      lines.push(`  - not compiled: ${output.notCompiled.map((f) => escapeMarkdown(f)).join(', ')}`);
    if (output.reason) lines.push(`  - ${escapeMarkdown(output.reason)}`);
  }
  return lines;
}

function usageSection(usage: Usage | undefined, budget: PrBodyInput['budget']): string[] {
  if (!usage) return [];
  const lines = ['### Tokens and cost', ''];
  if (usage.calls === 0) lines.push('No LLM calls: every agent worked deterministically.');
  else {
    const total = usage.inputTokens + usage.outputTokens;
    lines.push(
      `${count(total)} tokens (${count(usage.inputTokens)} in, ${count(usage.outputTokens)} out) over ${usage.calls} LLM calls; cost $${usage.costUsd.toFixed(4)}.`,
    );
  }
  const limits = [
    budget?.tokens !== undefined ? `${count(budget.tokens)} tokens` : '',
    budget?.costUsd !== undefined ? `$${budget.costUsd.toFixed(2)}` : '',
  ].filter(Boolean);
  if (limits.length) lines.push('', `Budget: ${limits.join(', ')}.`);
  return lines;
}

function trimEnd(lines: string[]): string[] {
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Markdown for the pull request's body. */
export function prBody(input: PrBodyInput): string {
  const facts = [
    input.name ? `Pipeline **${escapeMarkdown(input.name)}**` : '',
    input.template && input.template !== input.name ? `template ${escapeMarkdown(input.template)}` : '',
    input.state ? `state **${escapeMarkdown(input.state)}**` : '',
  ].filter(Boolean);
  const sections = [
    [
      `## Baton run ${escapeMarkdown(input.runId)}`,
      ...(input.note ? ['', escapeMarkdown(input.note, 1000)] : []),
    ],
    facts.length ? [facts.join(', ') + '.'] : [],
    phasesSection(input.phases),
    decisionsSection(input.decisions, input.decisionsDropped),
    reviewSection(input.phases),
    buildSection(input.phases),
    usageSection(input.usage, input.budget),
    [
      '---',
      '',
      'Opened by Baton. The branch holds one commit per phase run, each with its `Baton-Key` trailer.',
    ],
  ].filter((section) => section.length > 0);
  const body = sections.map((section) => section.join('\n')).join('\n\n') + '\n';
  if (body.length <= MAX_BODY) return body;
  const cut = body.lastIndexOf('\n', MAX_BODY);
  return `${body.slice(0, cut)}\n\n… (cut to fit GitHub's limit; \`baton status ${escapeMarkdown(input.runId)}\` has it all)\n`;
}

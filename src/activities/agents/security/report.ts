/**
 * The `security-report` agent: every phase's findings in one list, ranked by severity, written to
 * reports/security.json and reports/security.md for the approval gate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  TEMPLATE_AGENT_INPUTS,
  SecurityFindingSchema,
  type SecurityFinding,
} from '../../../shared/template-agent-inputs';
import { defineAgent } from '../agent';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const JSON_PATH = 'reports/security.json';
const MD_PATH = 'reports/security.md';
/** Findings carried in the phase output (and so at the gate); the files hold all of them. */
const MAX_IN_OUTPUT = 100;

/** Most severe first; then by file, line and rule, so the same findings always rank the same. */
export function rankFindings(findings: readonly SecurityFinding[]): SecurityFinding[] {
  const rank = (f: SecurityFinding) => SEVERITIES.indexOf(f.severity);
  return [...findings].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function markdown(
  scope: string,
  ranked: readonly SecurityFinding[],
  counts: Record<string, number>,
  llmSkipped?: string,
): string {
  const lines = [
    `# Security audit: ${scope}`,
    '',
    `Findings: ${SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ')}.`,
    '',
    `LLM review: ${llmSkipped ? `skipped (${llmSkipped})` : 'done'}.`,
    '',
  ];
  if (ranked.length === 0) lines.push('No findings.', '');
  else {
    lines.push(
      '| # | Severity | Category | Where | Rule | Finding |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    ranked.forEach((f, i) => {
      const where = `${f.file}${f.line ? `:${f.line}` : ''}`;
      lines.push(
        `| ${i + 1} | ${f.severity} | ${f.category} | ${cell(where)} | ${cell(f.rule)} | ${cell(f.message)} |`,
      );
    });
    lines.push('');
  }
  return lines.join('\n');
}

export const securityReportAgent = defineAgent({
  name: 'security-report',
  description:
    'Ranks the security phases’ findings by severity (critical, high, medium, low) into reports/security.json and reports/security.md.',
  input: TEMPLATE_AGENT_INPUTS['security-report'],
  output: z.object({
    scope: z.string(),
    counts: z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number() }),
    total: z.number().int(),
    /** The worst severity found, or `none`. */
    worst: z.enum([...SEVERITIES, 'none']),
    summary: z.string(),
    llmReview: z.enum(['done', 'skipped']),
    findings: z.array(SecurityFindingSchema),
    reportPath: z.string(),
    markdownPath: z.string(),
  }),
  async run(input, context) {
    const ranked = rankFindings([...input.secrets, ...input.dependencies, ...input.static, ...input.llm]);
    const counts = { critical: 0, high: 0, medium: 0, low: 0 };
    for (const f of ranked) counts[f.severity] += 1;
    const worst = ranked[0]?.severity ?? ('none' as const);
    const summary =
      ranked.length === 0
        ? `No findings in ${input.scope}.`
        : `${ranked.length} finding(s) in ${input.scope}: ${SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ')}; worst: ${ranked[0]!.rule} at ${ranked[0]!.file}${ranked[0]!.line ? `:${ranked[0]!.line}` : ''}.`;
    const json = {
      scope: input.scope,
      counts,
      total: ranked.length,
      llmReview: input.llmSkipped ? { skipped: input.llmSkipped } : 'done',
      findings: ranked,
    };
    for (const [file, content] of [
      [JSON_PATH, `${JSON.stringify(json, null, 2)}\n`],
      [MD_PATH, markdown(input.scope, ranked, counts, input.llmSkipped)],
    ] as const) {
      await mkdir(path.dirname(path.join(context.workspace, file)), { recursive: true });
      await writeFile(path.join(context.workspace, file), content);
    }
    return {
      scope: input.scope,
      counts,
      total: ranked.length,
      worst,
      summary,
      llmReview: input.llmSkipped ? ('skipped' as const) : ('done' as const),
      findings: ranked.slice(0, MAX_IN_OUTPUT),
      reportPath: JSON_PATH,
      markdownPath: MD_PATH,
    };
  },
});

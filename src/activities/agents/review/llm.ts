/** The LLM half of the `review` agent: its findings beyond the static checks. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { AgentContext } from '../agent';
import { askLlm } from '../toolbox/llm';
import type { Finding } from './checks';

/** How much source the LLM is shown, in characters, over all files. */
const MAX_LLM_SOURCE_CHARS = 60_000;

/** The structured answer asked of the LLM. */
const LlmReviewSchema = z.object({
  findings: z
    .array(
      z.object({
        file: z.string(),
        line: z.number().int().positive().optional(),
        severity: z.enum(['error', 'warning', 'info']),
        message: z.string().min(1).max(500),
      }),
    )
    .max(50),
});

async function sourcesForLlm(files: readonly string[], workspace: string): Promise<string> {
  let budget = MAX_LLM_SOURCE_CHARS;
  const parts: string[] = [];
  for (const file of files) {
    if (budget <= 0) {
      parts.push(`--- ${file} --- (not shown: the review is over its size budget)`);
      continue;
    }
    const text = await readFile(path.join(workspace, file), 'utf8');
    if (text.includes('\u0000')) continue;
    const numbered = text
      .slice(0, budget)
      .split('\n')
      .map((line, i) => `${String(i + 1).padStart(4)}| ${line}`)
      .join('\n');
    budget -= numbered.length;
    parts.push(`--- ${file} ---\n${numbered}${text.length > budget ? '\n… (truncated)' : ''}`);
  }
  return parts.join('\n\n');
}

/** The LLM's findings on the files, beyond the static ones; findings on files not reviewed are dropped. */
export async function llmFindings(
  files: readonly string[],
  workspace: string,
  found: readonly Finding[],
  context: AgentContext,
): Promise<Finding[]> {
  const known = found
    .slice(0, 50)
    .map((f) => `- ${f.file}${f.line ? `:${f.line}` : ''} [${f.severity}] ${f.message}`);
  const answer = await askLlm(context, {
    agent: 'review',
    schema: LlmReviewSchema,
    system:
      'You are a meticulous code reviewer. Report real defects: bugs, security problems, missing ' +
      "validation, behaviour that contradicts the code's own documentation. Do not report style. " +
      'Severity error is for defects that break behaviour; warning for risks; info for the rest.',
    prompt: [
      `Review these ${files.length} file(s). Lines are numbered; cite the file path and line.`,
      await sourcesForLlm(files, workspace),
      known.length
        ? `Static checks already found these; do not repeat them:\n${known.join('\n')}`
        : 'Static checks (syntax, TypeScript, ESLint) found nothing.',
      'Answer with an empty findings list when the code is sound.',
    ].join('\n\n'),
  });
  const reviewed = new Set(files);
  const kept = answer.findings.filter((f) => reviewed.has(f.file));
  if (kept.length < answer.findings.length) {
    context.log('review: dropped LLM findings on files that were not reviewed', {
      dropped: answer.findings.length - kept.length,
    });
  }
  return kept.map((f) => ({ ...f, rule: 'llm', source: 'llm' as const }));
}

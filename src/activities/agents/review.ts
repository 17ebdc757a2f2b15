import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Llm } from '../llm';
import { type AgentContext, defineAgent } from './agent';
import { badInput, listFiles, resolveInside, toPosix } from './build';
import { leavesRoot } from './inside';
import { type Finding, FindingSchema, fileChecks } from './review-checks';
import { eslintFindings, typescriptFindings } from './review-lint';

export { type Finding, FindingSchema } from './review-checks';

const REPORT_PATH = 'reports/review.json';
/** Findings kept in the output (history); the report file holds all of them. */
const MAX_OUTPUT_FINDINGS = 100;
const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  'build',
  'target',
  'reports',
  'deploy',
]);
/** How much source the LLM is shown, in characters, over all files. */
const MAX_LLM_SOURCE_CHARS = 60_000;

/** The structured answer asked of the LLM. */
export const LlmReviewSchema = z.object({
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
async function llmFindings(
  llm: Llm,
  files: readonly string[],
  workspace: string,
  found: readonly Finding[],
  context: AgentContext,
): Promise<Finding[]> {
  const known = found
    .slice(0, 50)
    .map((f) => `- ${f.file}${f.line ? `:${f.line}` : ''} [${f.severity}] ${f.message}`);
  const answer = await llm.generateObject({
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
    signal: context.signal,
    heartbeat: (details) => context.heartbeat(details),
    recordUsage: (usage) => context.recordUsage(usage),
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

/**
 * Reviews files: real syntax checks for JS and JSON, TypeScript diagnostics and ESLint for TS/JS,
 * structure checks for Java, hygiene for all; plus an LLM's findings when one is configured.
 */
export function createReviewAgent({ llm }: { llm?: Llm } = {}) {
  return defineAgent({
    name: 'review',
    description:
      'Reviews files: node --check, TypeScript diagnostics, ESLint, Java structure, TODO/FIXME, long lines, ' +
      'hard-coded secrets; an LLM, when configured, adds its findings.',
    input: z.object({
      /** Workspace-relative files to review, e.g. codegen's `files`. */
      files: z.array(z.string()).optional(),
      /** Or a directory to review, relative to the workspace; the whole workspace when neither is given. */
      dir: z.string().optional(),
      maxLineLength: z.number().int().positive().default(120),
    }),
    output: z.object({
      findings: z.array(FindingSchema),
      errors: z.number().int(),
      warnings: z.number().int(),
      passed: z.boolean(),
      reportPath: z.string(),
      /** Findings left out of `findings` to keep the result small; all are in the report. */
      omitted: z.number().int(),
    }),
    llm: 'optional',
    async run(input, context) {
      const workspace = path.resolve(context.workspace);
      let files: string[];
      if (input.files) {
        files = input.files.map((file) =>
          toPosix(path.relative(workspace, resolveInside(workspace, file, 'files'))),
        );
      } else {
        const dir = resolveInside(workspace, input.dir ?? '.', 'dir');
        const exists = await stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (!exists) {
          throw badInput(
            `dir "${input.dir}" is not a directory in the workspace; bind it to codegen's "dir"`,
          );
        }
        if (await leavesRoot(workspace, dir)) {
          throw badInput(
            `dir "${input.dir}" is a symlink to a directory outside the workspace, which review does not read; bind it to codegen's "dir"`,
          );
        }
        files = (await listFiles(dir, workspace, SKIPPED_DIRS)).filter(
          (file) => !path.posix.basename(file).startsWith('.'),
        );
      }
      if (files.length === 0) {
        throw badInput('there are no files to review; bind files to the codegen phase\'s "files"');
      }

      files = [...new Set(files)].sort();
      const findings: Finding[] = [];
      // A symlink out of the workspace is reported, never read: its target's bytes stay out of the
      // report, the linters and the LLM prompt.
      const outside: string[] = [];
      for (const file of files) {
        if (await leavesRoot(workspace, path.join(workspace, file))) outside.push(file);
      }
      findings.push(
        ...outside.map((file): Finding => ({
          file,
          severity: 'warning',
          rule: 'symlink-outside',
          message: 'is a symlink that points outside the workspace; not read',
          source: 'static',
        })),
      );
      files = files.filter((file) => !outside.includes(file));
      for (const file of files) {
        findings.push(...(await fileChecks(file, workspace, input.maxLineLength, context)));
        context.heartbeat({ step: 'reviewed', file });
      }
      findings.push(...(await typescriptFindings(files, workspace)));
      context.heartbeat({ step: 'typescript' });
      findings.push(...(await eslintFindings(files, workspace)));
      context.heartbeat({ step: 'eslint' });
      if (llm?.configured('review') && files.length > 0)
        findings.push(...(await llmFindings(llm, files, workspace, findings, context)));
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.filter((f) => f.severity === 'warning').length;
      const passed = errors === 0;
      const report = { passed, errors, warnings, files, notRead: outside, findings };
      await mkdir(path.join(workspace, 'reports'), { recursive: true });
      await writeFile(path.join(workspace, REPORT_PATH), `${JSON.stringify(report, null, 2)}\n`);
      const severityOrder = { error: 0, warning: 1, info: 2 } as const;
      const kept = [...findings]
        .sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity])
        .slice(0, MAX_OUTPUT_FINDINGS);
      return {
        findings: kept,
        errors,
        warnings,
        passed,
        reportPath: REPORT_PATH,
        omitted: findings.length - kept.length,
      };
    },
  });
}

/** The review agent without an LLM: static checks only. */
export const reviewAgent = createReviewAgent();

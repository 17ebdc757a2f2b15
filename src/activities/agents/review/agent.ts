import { AGENT_INPUTS } from '../../../shared/agent-inputs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import { defineAgent } from '../agent';
import { isDirectory, listFiles, resolveInside, skipping, toPosix } from '../toolbox/files';
import { leavesRoot } from '../toolbox/inside';
import { hasLlm } from '../toolbox/llm';
import { type Finding, FindingSchema, fileChecks } from './checks';
import { eslintFindings, typescriptFindings } from './lint';
import { llmFindings } from './llm';

const REPORT_PATH = 'reports/review.json';
/** Findings kept in the output (history); the report file holds all of them. */
const MAX_OUTPUT_FINDINGS = 100;
/** Dependencies, build output, and what Baton's own agents wrote (reports, deploys). */
const SKIPPED_DIRS = skipping('tooling', 'output', 'reports');

/**
 * Reviews files: real syntax checks for JS and JSON, TypeScript diagnostics and ESLint for TS/JS,
 * structure checks for Java, hygiene for all; plus an LLM's findings when one is configured.
 */
export const reviewAgent = defineAgent({
  name: 'review',
  description:
    'Reviews files: node --check, TypeScript diagnostics, ESLint, Java structure, TODO/FIXME, long lines, ' +
    'hard-coded secrets; an LLM, when configured, adds its findings.',
  input: AGENT_INPUTS.review,
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
      if (!(await isDirectory(dir))) {
        throw badInput(`dir "${input.dir}" is not a directory in the workspace; bind it to codegen's "dir"`);
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
    if (hasLlm(context, 'review') && files.length > 0)
      findings.push(...(await llmFindings(files, workspace, findings, context)));
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

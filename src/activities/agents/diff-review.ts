/**
 * The pr-review template's agents. `diff-review` reviews what a change adds, line by line: a local
 * branch diff (base...head, real git in the workspace; on --repo, your repository's branches) or
 * a pull request's files from GitHub's API (with GITHUB_TOKEN), plus the LLM's findings when one
 * is configured. `pr-verdict` turns the findings into approve or request-changes for the gate.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DiffFindingSchema, TEMPLATE_AGENT_INPUTS } from '../../shared/template-agent-inputs';
import { badInput } from '../failures';
import { type AgentContext, defineAgent } from './agent';
import { githubAccess, githubGet, repositoryPath } from './github-get';
import { scanText } from './security/secrets';
import { askLlm, hasLlm } from './toolbox/llm';

const exec = promisify(execFile);
type DiffFinding = z.infer<typeof DiffFindingSchema>;

/** One changed file: its added lines with their line numbers in the new version. */
interface ChangedFile {
  file: string;
  status: string;
  added: Array<{ line: number; text: string }>;
}

const TEST_FILE = /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|py|java|go|rb)$/;

/** What an added line is checked for, by rule id. */
const LINE_RULES = {
  eval: {
    severity: 'error',
    pattern: /\beval\s*\(/,
    message: 'eval() runs arbitrary code; parse the input instead',
  },
  'focused-test': {
    severity: 'error',
    pattern: /\b(?:it|describe|test)\.only\s*\(/,
    message: 'a focused test (.only) skips the rest of the suite',
  },
  debugger: { severity: 'warning', pattern: /^\s*debugger\s*;?\s*$/, message: 'debugger statement left in' },
  'explicit-any': { severity: 'warning', pattern: /:\s*any\b/, message: 'explicit any loses type checking' },
  'console-log': {
    severity: 'info',
    pattern: /\bconsole\.log\s*\(/,
    message: 'console.log left in; use the logger or remove it',
  },
  todo: {
    severity: 'info',
    pattern: /\b(?:TODO|FIXME|XXX)\b/,
    message: 'a TODO added by the change; track it in an issue',
  },
} as const satisfies Record<string, { severity: DiffFinding['severity']; pattern: RegExp; message: string }>;
const MAX_LINE = 120;

/** Parses unified diff text (`git diff -U0`, or GitHub's per-file patches) into added lines. */
export function parsePatch(patch: string): Array<{ line: number; text: string }> {
  const added: Array<{ line: number; text: string }> = [];
  let next = 0;
  for (const raw of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (hunk) next = Number(hunk[1]);
    else if (raw.startsWith('+') && !raw.startsWith('+++')) added.push({ line: next++, text: raw.slice(1) });
    else if (raw.startsWith(' ')) next++;
  }
  return added;
}

export function reviewChanges(files: readonly ChangedFile[]): DiffFinding[] {
  const findings: DiffFinding[] = [];
  for (const changed of files) {
    for (const { line, text } of changed.added) {
      for (const [rule, spec] of Object.entries(LINE_RULES)) {
        if (spec.pattern.test(text))
          findings.push({ file: changed.file, line, severity: spec.severity, rule, message: spec.message });
      }
      if (text.length > MAX_LINE) {
        findings.push({
          file: changed.file,
          line,
          severity: 'info',
          rule: 'line-length',
          message: `line is ${text.length} characters (over ${MAX_LINE})`,
        });
      }
      for (const secret of scanText(changed.file, text)) {
        findings.push({
          file: changed.file,
          line,
          severity: 'error',
          rule: `secret/${secret.rule}`,
          message: `${secret.message} (${secret.evidence ?? ''})`,
        });
      }
    }
  }
  const source = files.filter(
    (f) => SOURCE_FILE.test(f.file) && !TEST_FILE.test(f.file) && f.added.length > 0,
  );
  if (source.length > 0 && !files.some((f) => TEST_FILE.test(f.file))) {
    findings.push({
      file: source[0]!.file,
      severity: 'warning',
      rule: 'no-tests',
      message: `the change edits ${source.length} source file(s) and no test`,
    });
  }
  return findings;
}

async function git(workspace: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd: workspace, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A ref as the workspace knows it: a branch, a commit, or (in a --repo clone) the user's branch as origin/<ref>. */
async function resolveRef(workspace: string, ref: string, field: string): Promise<string> {
  if (!/^[A-Za-z0-9._/~^@{}-]+$/.test(ref) || ref.startsWith('-'))
    throw badInput(`${field} "${ref.slice(0, 100)}" is not a git ref`);
  for (const candidate of [ref, `origin/${ref}`]) {
    const found = await git(workspace, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]).catch(
      () => '',
    );
    if (found.trim()) return found.trim();
  }
  const branches = await git(workspace, ['branch', '-a', '--format=%(refname:short)']).catch(() => '');
  throw badInput(
    `${field} "${ref}" names no branch or commit in the repository; branches: ${branches.trim().split('\n').slice(0, 20).join(', ') || 'none'}`,
  );
}

async function localDiff(workspace: string, base: string, head: string): Promise<ChangedFile[]> {
  const from = await resolveRef(workspace, base, 'base');
  const to = await resolveRef(workspace, head || 'HEAD', 'head');
  const statuses = new Map(
    (await git(workspace, ['diff', '--name-status', '--no-renames', `${from}...${to}`]))
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.split('\t')[1]!, l.split('\t')[0]!] as const),
  );
  const files: ChangedFile[] = [];
  for (const [file, status] of statuses) {
    const patch = await git(workspace, [
      'diff',
      '--unified=0',
      '--no-color',
      '--no-ext-diff',
      `${from}...${to}`,
      '--',
      file,
    ]);
    files.push({ file, status, added: parsePatch(patch) });
  }
  return files;
}

const PullFilesSchema = z.array(
  z.object({ filename: z.string(), status: z.string(), patch: z.string().optional() }),
);

async function pullDiff(repository: string, number: string, context: AgentContext): Promise<ChangedFile[]> {
  const access = githubAccess()!;
  if (!/^[1-9]\d*$/.test(number)) throw badInput(`number "${number}" is not a pull request number such as 3`);
  const raw = await githubGet(
    `/repos/${repositoryPath(repository)}/pulls/${number}/files?per_page=100`,
    access,
    context,
  );
  const parsed = PullFilesSchema.safeParse(raw);
  if (!parsed.success) throw badInput(`GitHub's answer for ${repository}#${number} files is not a file list`);
  return parsed.data.map((f) => ({ file: f.filename, status: f.status, added: parsePatch(f.patch ?? '') }));
}

const LlmFindingsSchema = z.object({
  findings: z
    .array(DiffFindingSchema.omit({ rule: true }).extend({ message: z.string().min(1).max(500) }))
    .max(50),
});

async function llmReview(files: readonly ChangedFile[], context: AgentContext): Promise<DiffFinding[]> {
  const shown = files
    .map(
      (f) =>
        `--- ${f.file} (${f.status}) ---\n${f.added.map((a) => `${String(a.line).padStart(4)}+ ${a.text}`).join('\n')}`,
    )
    .join('\n\n')
    .slice(0, 60_000);
  const answer = await askLlm(context, {
    agent: 'diff-review',
    schema: LlmFindingsSchema,
    system:
      'You review pull requests. Report defects in the added lines: bugs, security problems, missing validation. Not style.',
    prompt: `The change's added lines, numbered as in the new files:\n\n${shown}\n\nCite file and line; an empty list when the change is sound.`,
  });
  const known = new Set(files.map((f) => f.file));
  return answer.findings.filter((f) => known.has(f.file)).map((f) => ({ ...f, rule: 'llm' }));
}

export const diffReviewAgent = defineAgent({
  name: 'diff-review',
  description:
    "Reviews a change's added lines (a local base...head diff, or a pull request's files from GitHub with GITHUB_TOKEN): file:line findings with severity; the LLM adds its own when configured.",
  input: TEMPLATE_AGENT_INPUTS['diff-review'],
  output: z.object({
    source: z.enum(['git', 'github', 'none']),
    reason: z.string().optional(),
    files: z.array(z.object({ file: z.string(), status: z.string(), added: z.number().int() })),
    findings: z.array(DiffFindingSchema),
    llm: z.boolean(),
    reportPath: z.string().optional(),
  }),
  llm: 'optional',
  async run(input, context) {
    let source: 'git' | 'github' | 'none';
    let files: ChangedFile[];
    if (input.base || input.head) {
      if (!input.base)
        throw badInput(
          'head is given without base; set base to the branch the change is compared with, such as main',
        );
      source = 'git';
      files = await localDiff(context.workspace, input.base, input.head);
    } else if (githubAccess() && input.repository && input.number) {
      source = 'github';
      files = await pullDiff(input.repository, input.number, context);
    } else {
      return {
        source: 'none' as const,
        reason:
          'no diff to review: give base and head (a local branch diff), or repository and number with GITHUB_TOKEN on the worker',
        files: [],
        findings: [],
        llm: false,
      };
    }
    const llm = hasLlm(context, 'diff-review') && files.length > 0;
    const findings = [...reviewChanges(files), ...(llm ? await llmReview(files, context) : [])];
    const reportPath = 'reports/diff-review.json';
    await mkdir(path.join(context.workspace, 'reports'), { recursive: true });
    await writeFile(
      path.join(context.workspace, reportPath),
      `${JSON.stringify({ source, files, findings }, null, 2)}\n`,
    );
    return {
      source,
      files: files.map((f) => ({ file: f.file, status: f.status, added: f.added.length })),
      findings,
      llm,
      reportPath,
    };
  },
});

export const prVerdictAgent = defineAgent({
  name: 'pr-verdict',
  description:
    "Turns a change's review findings into a verdict, approve or request-changes, with a summary for the gate (reports/verdict.md).",
  input: TEMPLATE_AGENT_INPUTS['pr-verdict'],
  output: z.object({
    verdict: z.enum(['approve', 'request-changes']),
    summary: z.string(),
    counts: z.object({ error: z.number(), warning: z.number(), info: z.number() }),
    findings: z.array(DiffFindingSchema),
    reportPath: z.string(),
  }),
  async run(input, context) {
    const order = ['error', 'warning', 'info'] as const;
    const findings = [...input.findings].sort(
      (a, b) =>
        order.indexOf(a.severity) - order.indexOf(b.severity) ||
        a.file.localeCompare(b.file) ||
        (a.line ?? 0) - (b.line ?? 0),
    );
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of findings) counts[f.severity] += 1;
    // With a diff, the verdict is about the change; the whole workspace's review only informs it.
    const blocking = counts.error + (input.diffSource === 'none' ? input.reviewErrors : 0);
    const verdict = blocking > 0 ? ('request-changes' as const) : ('approve' as const);
    const where = (f: DiffFinding) => `${f.file}${f.line ? `:${f.line}` : ''}`;
    const summary =
      verdict === 'approve'
        ? `Approve${input.title ? ` "${input.title}"` : ''}: ${input.files.length} file(s) changed, no blocking findings (${counts.warning} warning(s), ${counts.info} note(s)).`
        : `Request changes${input.title ? ` on "${input.title}"` : ''}: ${blocking} blocking finding(s)${findings[0]?.severity === 'error' ? `, first ${findings[0].rule} at ${where(findings[0])}` : ''}${input.reviewErrors ? `; the workspace review found ${input.reviewErrors} error(s)` : ''}.`;
    const note =
      input.reviewErrors && verdict === 'approve'
        ? ` The workspace review (reports/review.json) found ${input.reviewErrors} error(s) outside the change.`
        : '';
    const text = [
      `# Verdict: ${verdict}`,
      '',
      summary + note,
      '',
      ...findings.map((f) => `- **${f.severity}** ${where(f)} (${f.rule}): ${f.message}`),
      '',
    ].join('\n');
    const reportPath = 'reports/verdict.md';
    await mkdir(path.join(context.workspace, 'reports'), { recursive: true });
    await writeFile(path.join(context.workspace, reportPath), text);
    return { verdict, summary: summary + note, counts, findings: findings.slice(0, 100), reportPath };
  },
});

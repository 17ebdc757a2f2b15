/**
 * The static checks of the `review` agent: hygiene and secrets for every file, `node --check` for
 * JavaScript, structure for Java, the TypeScript compiler's diagnostics for TypeScript, and ESLint
 * (with typescript-eslint's parser for .ts) for both.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../../failures';
import type { AgentContext } from '../agent';
import { runProcess } from '../toolbox/process';

export const FindingSchema = z.object({
  file: z.string(),
  line: z.number().int().optional(),
  severity: z.enum(['error', 'warning', 'info']),
  rule: z.string(),
  message: z.string(),
  /** Which check found it: Baton's own, the TypeScript compiler, ESLint, or the LLM. */
  source: z.enum(['static', 'typescript', 'eslint', 'llm']),
});
export type Finding = z.infer<typeof FindingSchema>;
/** A finding before it is tagged with its source. */
type Check = Omit<Finding, 'source'>;

const SECRETS: readonly RegExp[] = [
  /\b(?:password|passwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|private[_-]?key)\w*["']?\s*[:=]\s*["'][^"'\s]{8,}["']/i,
  /\bAKIA[0-9A-Z]{16}\b/,
  /-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----/,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
];

/** Checks every text file: markers left behind, long lines, trailing whitespace, secrets. */
function lineChecks(file: string, text: string, maxLineLength: number): Check[] {
  const findings: Check[] = [];
  text.split('\n').forEach((raw, index) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const line = index + 1;
    const marker = /\b(TODO|FIXME)\b/.exec(content);
    if (marker) {
      findings.push({
        file,
        line,
        severity: 'warning',
        rule: 'todo',
        message: `${marker[1]} left in the code`,
      });
    }
    if (content.length > maxLineLength) {
      findings.push({
        file,
        line,
        severity: 'warning',
        rule: 'line-length',
        message: `line is ${content.length} characters; keep lines at ${maxLineLength} or fewer`,
      });
    }
    if (/[ \t]+$/.test(content)) {
      findings.push({
        file,
        line,
        severity: 'info',
        rule: 'trailing-whitespace',
        message: 'trailing whitespace',
      });
    }
    if (SECRETS.some((pattern) => pattern.test(content))) {
      findings.push({
        file,
        line,
        severity: 'error',
        rule: 'hard-coded-secret',
        message: 'looks like a hard-coded credential; read it from the environment or a secret store',
      });
    }
  });
  return findings;
}

/** Java source with comments, strings and char literals blanked, keeping line structure. */
function javaCode(text: string): string {
  return text.replace(
    /"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
    (match) => match.replace(/[^\n]/g, ' '),
  );
}

function javaChecks(file: string, text: string): Check[] {
  const findings: Check[] = [];
  const code = javaCode(text);
  let depth = 0;
  let line = 1;
  const opened: number[] = [];
  for (const char of code) {
    if (char === '\n') line++;
    else if (char === '{') {
      depth++;
      opened.push(line);
    } else if (char === '}') {
      if (depth === 0) {
        findings.push({ file, line, severity: 'error', rule: 'java-braces', message: 'unmatched "}"' });
        break;
      }
      depth--;
      opened.pop();
    }
  }
  if (depth > 0) {
    const at = opened[opened.length - 1];
    findings.push({
      file,
      ...(at ? { line: at } : {}),
      severity: 'error',
      rule: 'java-braces',
      message: `${depth} "{" never closed`,
    });
  }

  const dirs = path.posix.dirname(file);
  const root = /(?:^|\/)src\/(?:main|test)\/java(?:\/|$)/.exec(dirs);
  const expected = root ? dirs.slice(root.index + root[0].length).replace(/\//g, '.') : undefined;
  const declared = /^\s*package\s+([\w.]+)\s*;/m.exec(code);
  const actual = declared?.[1] ?? '';
  const packageLine = declared
    ? code.slice(0, declared.index + declared[0].indexOf('package')).split('\n').length
    : 1;
  if (expected !== undefined ? actual !== expected : actual && !dirs.endsWith(actual.replace(/\./g, '/'))) {
    findings.push({
      file,
      line: packageLine,
      severity: 'error',
      rule: 'java-package',
      message: `package "${actual || '(default)'}" does not match the directory "${dirs}"`,
    });
  }
  const type =
    /\bpublic\s+(?:(?:final|abstract|sealed|non-sealed|static|strictfp)\s+)*(?:class|interface|enum|record|@interface)\s+(\w+)/.exec(
      code,
    );
  const expectedName = path.posix.basename(file, '.java');
  if (type && type[1] !== expectedName) {
    findings.push({
      file,
      line: code.slice(0, type.index).split('\n').length,
      severity: 'error',
      rule: 'java-class-name',
      message: `public type "${type[1]}" must be declared in ${type[1]}.java, not ${expectedName}.java`,
    });
  }
  return findings;
}

async function jsSyntax(file: string, workspace: string, context: AgentContext): Promise<Check[]> {
  const result = await runProcess(process.execPath, ['--check', file], {
    cwd: workspace,
    context,
    timeoutMs: 30_000,
  });
  if (result.code === 0) return [];
  const output = result.stderr || result.problem || 'node --check failed';
  const line = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(output)?.[1];
  const message = /^\w*Error: .*$/m.exec(output)?.[0] ?? output.split('\n')[0] ?? 'syntax error';
  return [{ file, ...(line ? { line: Number(line) } : {}), severity: 'error', rule: 'js-syntax', message }];
}

function jsonSyntax(file: string, text: string): Check[] {
  try {
    JSON.parse(text);
    return [];
  } catch (error) {
    return [{ file, severity: 'error', rule: 'json-syntax', message: (error as Error).message }];
  }
}

const MAX_FILE_BYTES = 1024 * 1024;

/** Baton's own checks of one workspace file. */
export async function fileChecks(
  file: string,
  workspace: string,
  maxLineLength: number,
  context: AgentContext,
): Promise<Finding[]> {
  const absolute = path.join(workspace, file);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) {
    throw badInput(
      `files holds "${file}", which is not a file in the workspace; bind files to codegen's "files"`,
    );
  }
  if (info.size > MAX_FILE_BYTES) {
    return [
      {
        file,
        severity: 'info',
        rule: 'skipped',
        message: `larger than ${MAX_FILE_BYTES} bytes`,
        source: 'static',
      },
    ];
  }
  const text = await readFile(absolute, 'utf8');
  if (text.includes('\u0000')) return [];
  const findings = lineChecks(file, text, maxLineLength);
  if (/\.[mc]?js$/.test(file)) findings.push(...(await jsSyntax(file, workspace, context)));
  if (file.endsWith('.java')) findings.push(...javaChecks(file, text));
  if (file.endsWith('.json')) findings.push(...jsonSyntax(file, text));
  return findings.map((finding) => ({ ...finding, source: 'static' }));
}

/**
 * The `security-lint` agent: ESLint's Node API over the scope's JS and TS files with
 * eslint-plugin-security's recommended rules and ESLint's own eval rules, each rule ranked.
 */
import path from 'node:path';
import type { Linter } from 'eslint';
import { z } from 'zod';
import {
  TEMPLATE_AGENT_INPUTS,
  SecurityFindingSchema,
  type SecurityFinding,
} from '../../../shared/template-agent-inputs';
import { defineAgent } from '../agent';
import { toPosix } from '../toolbox/files';
import { scopeFiles } from './scope';

const LINTED = /\.(?:js|mjs|cjs|jsx|ts|tsx|mts|cts)$/;
const TS_GLOBS = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];

/** How bad each rule's finding is: code execution ranks high, noisy heuristics low. */
export const RULE_SEVERITY: Record<string, SecurityFinding['severity']> = {
  'security/detect-eval-with-expression': 'high',
  'security/detect-child-process': 'high',
  'security/detect-disable-mustache-escape': 'high',
  'security/detect-bidi-characters': 'high',
  'no-eval': 'high',
  'no-implied-eval': 'high',
  'no-new-func': 'high',
  'security/detect-non-literal-require': 'medium',
  'security/detect-non-literal-fs-filename': 'medium',
  'security/detect-non-literal-regexp': 'medium',
  'security/detect-unsafe-regex': 'medium',
  'security/detect-possible-timing-attacks': 'medium',
  'security/detect-pseudoRandomBytes': 'medium',
  'security/detect-no-csrf-before-method-override': 'medium',
  'security/detect-invisible-characters': 'medium',
  'security/detect-new-buffer': 'low',
  'security/detect-buffer-noassert': 'low',
  'security/detect-object-injection': 'low',
};

async function securityConfig(): Promise<Linter.Config[]> {
  const security = (await import('eslint-plugin-security')).default;
  const tseslint = (await import('typescript-eslint')).default;
  const globals = (await import('globals')).default;
  return [
    {
      languageOptions: {
        ecmaVersion: 'latest',
        sourceType: 'module',
        globals: { ...globals.node, ...globals.browser },
      },
      linterOptions: { reportUnusedDisableDirectives: 'off' },
    },
    { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
    { files: TS_GLOBS, languageOptions: { parser: tseslint.parser } },
    security.configs.recommended,
    { rules: { 'no-eval': 'warn', 'no-implied-eval': 'warn', 'no-new-func': 'warn' } },
  ];
}

/** The security findings for the JS and TS files among `files` (workspace-relative). */
export async function securityLintFindings(
  files: readonly string[],
  workspace: string,
): Promise<SecurityFinding[]> {
  const linted = files.filter((file) => LINTED.test(file));
  if (linted.length === 0) return [];
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({
    cwd: workspace,
    overrideConfigFile: true,
    overrideConfig: await securityConfig(),
    ignore: false,
    errorOnUnmatchedPattern: false,
  });
  const results = await eslint.lintFiles(linted.map((file) => path.join(workspace, file)));
  return results.flatMap((result) => {
    const file = toPosix(path.relative(workspace, result.filePath));
    const lines = (result.source ?? '').split('\n');
    return result.messages
      .filter((message) => !message.fatal && message.ruleId)
      .map((message): SecurityFinding => ({
        severity: RULE_SEVERITY[message.ruleId!] ?? 'low',
        category: 'static',
        rule: `eslint/${message.ruleId}`,
        file,
        ...(message.line ? { line: message.line } : {}),
        message: message.message,
        ...(message.line && lines[message.line - 1]
          ? { evidence: lines[message.line - 1]!.trim().slice(0, 200) }
          : {}),
      }));
  });
}

export const securityLintAgent = defineAgent({
  name: 'security-lint',
  description:
    "Runs ESLint with eslint-plugin-security's rules (and no-eval, no-implied-eval, no-new-func) over the scope's JS and TS files.",
  input: TEMPLATE_AGENT_INPUTS['security-lint'],
  output: z.object({ linted: z.number().int(), findings: z.array(SecurityFindingSchema) }),
  async run(input, context) {
    const files = (await scopeFiles(context.workspace, input.scope)).filter((file) => LINTED.test(file));
    context.heartbeat({ step: 'linting', files: files.length });
    return { linted: files.length, findings: await securityLintFindings(files, context.workspace) };
  },
});

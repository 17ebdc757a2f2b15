/**
 * The compiler and linter checks of the `review` agent: TypeScript diagnostics through the
 * compiler API, and ESLint through its Node API with an inline flat config. Both are loaded on
 * first use, so a worker that never reviews TS or JS does not pay for them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Linter } from 'eslint';
import { isDirectory, toPosix } from '../toolbox/files';
import { leavesRootSync } from '../toolbox/inside';
import type { Finding } from './checks';

const TS_FILE = /\.(?:ts|tsx|mts|cts)$/;
const LINTED_FILE = /\.(?:js|mjs|cjs|jsx|ts|tsx|mts|cts)$/;
const TS_GLOBS = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
const JS_GLOBS = ['**/*.js', '**/*.mjs', '**/*.cjs', '**/*.jsx'];

/** The nearest tsconfig.json at or above `dir`, but never outside the workspace. */
function findTsconfig(dir: string, workspace: string): string | undefined {
  let current = dir;
  for (;;) {
    const candidate = path.join(current, 'tsconfig.json');
    if (existsSync(candidate) && !leavesRootSync(workspace, candidate)) return candidate;
    if (current === workspace) return undefined;
    const parent = path.dirname(current);
    if (parent === current || !parent.startsWith(workspace)) return undefined;
    current = parent;
  }
}

/** True when `dir`'s package.json declares dependencies and `dir` has no node_modules. */
async function dependenciesMissing(dir: string): Promise<boolean> {
  const pkg = await readFile(path.join(dir, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as { dependencies?: object; devDependencies?: object },
    () => undefined,
  );
  if (!pkg) return false;
  const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).length > 0;
  return declared && !(await isDirectory(path.join(dir, 'node_modules')));
}

/**
 * The TypeScript compiler's syntactic and semantic diagnostics for the `.ts` files among `files`,
 * with the project's tsconfig.json when it has one, otherwise strict ES2022-module defaults.
 */
export async function typescriptFindings(files: readonly string[], workspace: string): Promise<Finding[]> {
  const tsFiles = files.filter((file) => TS_FILE.test(file));
  if (tsFiles.length === 0) return [];
  const ts = (await import('typescript')).default;
  const absolute = tsFiles.map((file) => path.join(workspace, file));
  const defaults: import('typescript').CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    skipLibCheck: true,
    // Types come from the project's own node_modules, never from the worker's.
    typeRoots: [path.join(workspace, 'node_modules', '@types')],
  };
  let options = defaults;
  // The compiler reads only the workspace and its own lib files: an import or an `extends` that
  // reaches out through a symlink or a path finds nothing, so no outside bytes reach a diagnostic.
  const libDir = path.dirname(ts.getDefaultLibFilePath(defaults));
  const readable = (file: string) => !leavesRootSync(workspace, file) || !leavesRootSync(libDir, file);
  const guarded =
    <T>(read: (file: string) => T, none: T) =>
    (file: string) =>
      readable(path.resolve(workspace, file)) ? read(file) : none;
  const sys = {
    ...ts.sys,
    readFile: guarded((file) => ts.sys.readFile(file), undefined),
    fileExists: guarded((file) => ts.sys.fileExists(file), false),
  };
  const tsconfig = findTsconfig(path.dirname(absolute[0]!), workspace);
  const findings: Finding[] = [];
  if (tsconfig) {
    const read = ts.readConfigFile(tsconfig, (file) => sys.readFile(file));
    const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, sys, path.dirname(tsconfig));
    options = parsed.options;
    for (const d of read.error ? [read.error] : parsed.errors) {
      findings.push({
        file: toPosix(path.relative(workspace, tsconfig)),
        severity: 'error',
        rule: `ts${d.code}`,
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        source: 'typescript',
      });
    }
  }
  options = { ...options, noEmit: true };
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => workspace;
  const { readFile, fileExists, getSourceFile } = host;
  host.readFile = guarded((file) => readFile.call(host, file), undefined);
  host.fileExists = guarded((file) => fileExists.call(host, file), false);
  host.getSourceFile = (file, ...rest) =>
    readable(path.resolve(workspace, file)) ? getSourceFile.call(host, file, ...rest) : undefined;
  const program = ts.createProgram({ rootNames: absolute, options, host });
  const severity = (category: import('typescript').DiagnosticCategory): Finding['severity'] =>
    category === ts.DiagnosticCategory.Error
      ? 'error'
      : category === ts.DiagnosticCategory.Warning
        ? 'warning'
        : 'info';
  // A project whose dependencies are not installed yet (review runs before build's npm install)
  // cannot be type-checked: every import of a package and every knock-on error would be a finding.
  const uninstalled = tsconfig !== undefined && (await dependenciesMissing(path.dirname(tsconfig)));
  if (uninstalled) {
    findings.push({
      file: toPosix(path.relative(workspace, tsconfig)),
      severity: 'info',
      rule: 'ts-deps-missing',
      message:
        'type check skipped (syntax checked only): the project declares dependencies and has no node_modules; the build type-checks it after npm install',
      source: 'typescript',
    });
  }
  const diagnostics = [
    ...(uninstalled ? [] : [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]),
    ...absolute.flatMap((file) => {
      const source = program.getSourceFile(file);
      if (!source) return [];
      const syntax = program.getSyntacticDiagnostics(source);
      return uninstalled ? [...syntax] : [...syntax, ...program.getSemanticDiagnostics(source)];
    }),
  ];
  for (const d of diagnostics) {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    findings.push({
      file: d.file ? toPosix(path.relative(workspace, d.file.fileName)) : tsFiles[0]!,
      ...(where ? { line: where.line + 1 } : {}),
      severity: severity(d.category),
      rule: `ts${d.code}`,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      source: 'typescript',
    });
  }
  return findings;
}

/** Baton's lint standard: ESLint's recommended rules, and typescript-eslint's for TypeScript. */
async function lintConfig(): Promise<Linter.Config[]> {
  const js = (await import('@eslint/js')).default;
  const tseslint = (await import('typescript-eslint')).default;
  const globals = (await import('globals')).default;
  const unused = { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_' } as const;
  return [
    {
      files: [...JS_GLOBS, ...TS_GLOBS],
      ...js.configs.recommended,
      languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: { ...globals.node } },
      linterOptions: { reportUnusedDisableDirectives: 'off' },
    },
    { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
    { files: JS_GLOBS, rules: { 'no-unused-vars': ['warn', unused] } },
    ...(tseslint.configs.recommended as Linter.Config[]).map((config) => ({ ...config, files: TS_GLOBS })),
    {
      files: TS_GLOBS,
      rules: {
        '@typescript-eslint/no-unused-vars': ['warn', unused],
        '@typescript-eslint/no-explicit-any': 'warn',
      },
    },
  ];
}

/**
 * ESLint's findings for the JS and TS files among `files`. Parse errors are left out: `node --check`
 * and the TypeScript compiler report those already.
 */
export async function eslintFindings(files: readonly string[], workspace: string): Promise<Finding[]> {
  const linted = files.filter((file) => LINTED_FILE.test(file));
  if (linted.length === 0) return [];
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({
    cwd: workspace,
    overrideConfigFile: true,
    overrideConfig: await lintConfig(),
    ignore: false,
    errorOnUnmatchedPattern: false,
  });
  const results = await eslint.lintFiles(linted.map((file) => path.join(workspace, file)));
  return results.flatMap((result) =>
    result.messages
      .filter((message) => !message.fatal && message.ruleId)
      .map((message): Finding => ({
        file: toPosix(path.relative(workspace, result.filePath)),
        ...(message.line ? { line: message.line } : {}),
        severity: message.severity === 2 ? 'error' : 'warning',
        rule: `eslint/${message.ruleId}`,
        message: message.message,
        source: 'eslint',
      })),
  );
}

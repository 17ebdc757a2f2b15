import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { type AgentContext, defineAgent } from './agent';

/** The projects the built-in codegen writes and the build agent knows how to check. */
export const TargetSchema = z.enum(['node-express', 'java-springboot', 'node-module']);
export type Target = z.infer<typeof TargetSchema>;

/** A permanent problem with an agent's input: never retried; the message names the value and the fix. */
export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'Agent.BadInput');
}

export function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** Resolves a workspace-relative path, refusing absolute paths and paths that leave the workspace. */
export function resolveInside(workspace: string, relative: string, field: string): string {
  const root = path.resolve(workspace);
  const resolved = path.resolve(root, relative);
  if (path.isAbsolute(relative) || (resolved !== root && !resolved.startsWith(root + path.sep))) {
    throw badInput(`${field} "${relative}" leaves the workspace; use a path relative to it, such as "app"`);
  }
  return resolved;
}

const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'build', 'target']);

/** Every file under `dir`, as sorted posix paths relative to `base`, skipping tool and output dirs. */
export async function listFiles(dir: string, base: string, skip = SKIPPED_DIRS): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory() && !skip.has(entry.name)) await walk(full);
      else if (entry.isFile()) found.push(toPosix(path.relative(base, full)));
    }
  };
  await walk(dir);
  return found.sort();
}

const MAX_OUTPUT = 1024 * 1024;

export interface ProcessResult {
  /** Exit code; null when the program could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the run did not finish normally (not found, timed out, too much output). */
  problem?: string;
}

/**
 * Runs a program with bounded output and a time limit, heartbeating while it works. A failing
 * exit is a result, not an exception; cancelling the activity kills the program and rejects.
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd: string; context: AgentContext; timeoutMs?: number },
): Promise<ProcessResult> {
  const { cwd, context, timeoutMs = 60_000 } = options;
  // The child must not inherit loaders or a parent test runner's protocol.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const beat = setInterval(() => context.heartbeat({ running: path.basename(file) }), 5_000);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, env, signal: context.signal, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        clearInterval(beat);
        if (context.signal.aborted) return reject(context.signal.reason ?? error);
        if (!error) return resolve({ code: 0, stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        let problem: string | undefined;
        if (error.code === 'ENOENT') problem = `${file} was not found on PATH`;
        else if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          problem = `output exceeded ${MAX_OUTPUT} bytes`;
        else if (error.killed) problem = `timed out after ${timeoutMs} ms`;
        resolve({ code, stdout, stderr, ...(problem ? { problem } : {}) });
      },
    );
  });
}

/** The first lines of a command's output, for failure messages. */
export function firstLines(text: string, count = 12): string {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, count)
    .join('\n');
}

const BuildInputSchema = z.object({
  target: TargetSchema,
  /** The project directory, relative to the workspace (codegen's output `dir`). */
  dir: z.string().default('app'),
});

const BuildOutputSchema = z.object({
  compiled: z.boolean(),
  compiler: z.string(),
  tests: z.object({ passed: z.number().int().min(0), failed: z.number().int().min(0) }),
  notCompiled: z.array(z.string()),
  logPath: z.string(),
  /** Why nothing (or not everything) was compiled. */
  reason: z.string().optional(),
});
type BuildOutput = z.input<typeof BuildOutputSchema>;

const LOG_PATH = 'reports/build.log';
const SPRING_IMPORT = /^\s*import\s+(?:static\s+)?org\.springframework\./m;

interface Job {
  workspace: string;
  /** Project dir, absolute, and relative to the workspace (posix, '' for the workspace itself). */
  root: string;
  rel: string;
  context: AgentContext;
  log: string[];
}

function record(job: Job, command: string, result: ProcessResult): void {
  job.log.push(`$ ${command}`, result.stdout.trimEnd(), result.stderr.trimEnd());
  if (result.problem) job.log.push(`(${result.problem})`);
  job.log.push(`exit ${result.code ?? 'none'}`, '');
}

async function writeLog(job: Job): Promise<void> {
  const file = path.join(job.workspace, LOG_PATH);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, job.log.filter((line) => line !== '').join('\n') + '\n');
}

async function buildFailed(job: Job, message: string): Promise<never> {
  job.log.push(`BUILD FAILED: ${message}`);
  await writeLog(job);
  throw ApplicationFailure.nonRetryable(`${message}\n(full log: ${LOG_PATH})`, 'Agent.BuildFailed');
}

/** `not ok` lines and the diagnostics under them, from TAP output. */
function failureLines(tap: string): string {
  const lines = tap.split('\n');
  const start = lines.findIndex((line) => /^\s*not ok\b/.test(line));
  return start < 0 ? firstLines(tap) : firstLines(lines.slice(start).join('\n'), 15);
}

async function buildNode(job: Job): Promise<BuildOutput> {
  const { root, rel, context } = job;
  const files = (await listFiles(root, root)).filter((f) => /\.[mc]?js$/.test(f));
  if (files.length === 0) {
    throw badInput(
      `dir "${rel || '.'}" holds no .js files; set dir to the "dir" output of the codegen phase`,
    );
  }
  const broken: string[] = [];
  for (const file of files) {
    const result = await runProcess(process.execPath, ['--check', file], {
      cwd: root,
      context,
      timeoutMs: 30_000,
    });
    record(job, `node --check ${file}`, result);
    if (result.code !== 0) broken.push(`${file}: ${firstLines(result.stderr || (result.problem ?? ''), 5)}`);
    context.heartbeat({ step: 'check', file });
  }
  if (broken.length) {
    await buildFailed(job, `node --check failed for ${broken.length} file(s):\n${broken.join('\n')}`);
  }

  const compiler = `node ${process.version}`;
  const tests = files.filter((f) => f.startsWith('test/') && /\.test\.[mc]?js$/.test(f));
  if (tests.length === 0) {
    job.log.push(`no test files under ${rel || '.'}/test`);
    return { compiled: true, compiler, tests: { passed: 0, failed: 0 }, notCompiled: [], logPath: LOG_PATH };
  }
  const args = ['--test', '--test-reporter=tap', ...tests];
  const result = await runProcess(process.execPath, args, { cwd: root, context, timeoutMs: 120_000 });
  record(job, `node ${args.join(' ')}`, result);
  const passed = Number(/^# pass (\d+)/m.exec(result.stdout)?.[1] ?? 0);
  const failed = Number(/^# fail (\d+)/m.exec(result.stdout)?.[1] ?? 0);
  if (result.code !== 0 || failed > 0) {
    const detail = result.problem ?? failureLines(result.stdout + result.stderr);
    await buildFailed(
      job,
      `node --test: ${failed} of ${passed + failed} test(s) failed in ${rel || '.'}:\n${detail}`,
    );
  }
  return { compiled: true, compiler, tests: { passed, failed }, notCompiled: [], logPath: LOG_PATH };
}

async function buildJava(job: Job): Promise<BuildOutput> {
  const { root, rel, context } = job;
  const inWorkspace = (file: string): string => path.posix.join(rel, file);
  const sources = (await listFiles(root, root)).filter((f) => f.endsWith('.java'));
  if (sources.length === 0) {
    throw badInput(
      `dir "${rel || '.'}" holds no .java files; set dir to the "dir" output of the codegen phase`,
    );
  }
  const version = await runProcess('javac', ['-version'], { cwd: root, context, timeoutMs: 30_000 });
  record(job, 'javac -version', version);
  if (version.code !== 0) {
    const reason = `javac is not available (${version.problem ?? firstLines(version.stderr, 2)}); install a JDK 17+`;
    await writeLog(job);
    return {
      compiled: false,
      compiler: 'none',
      tests: { passed: 0, failed: 0 },
      notCompiled: sources.map(inWorkspace),
      logPath: LOG_PATH,
      reason,
    };
  }
  const compiler = firstLines(version.stdout + version.stderr, 1);
  const plain: Array<{ file: string; text: string }> = [];
  const spring: string[] = [];
  for (const file of sources) {
    const text = await readFile(path.join(root, file), 'utf8');
    if (SPRING_IMPORT.test(text)) spring.push(file);
    else plain.push({ file, text });
  }
  const classes = path.join('build', 'classes');
  await rm(path.join(root, classes), { recursive: true, force: true });
  await mkdir(path.join(root, classes), { recursive: true });
  if (plain.length) {
    const args = ['-d', classes, '-encoding', 'UTF-8', ...plain.map((p) => p.file)];
    const result = await runProcess('javac', args, { cwd: root, context, timeoutMs: 180_000 });
    record(job, `javac ${args.join(' ')}`, result);
    if (result.code !== 0) {
      await buildFailed(
        job,
        `javac failed in ${rel || '.'}:\n${firstLines(result.stderr || (result.problem ?? ''))}`,
      );
    }
  }
  context.heartbeat({ step: 'compiled', files: plain.length });

  const tests = { passed: 0, failed: 0 };
  const failures: string[] = [];
  for (const { file, text } of plain.filter((p) => p.file.endsWith('Check.java'))) {
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
    const className = (pkg ? `${pkg}.` : '') + path.basename(file, '.java');
    const result = await runProcess('java', ['-cp', classes, className], {
      cwd: root,
      context,
      timeoutMs: 60_000,
    });
    record(job, `java -cp ${classes} ${className}`, result);
    const ok = (result.stdout.match(/^ok\b/gm) ?? []).length;
    const notOk = (result.stdout.match(/^not ok\b/gm) ?? []).length;
    // A check that prints nothing still counts once, by its exit code.
    tests.passed += ok || (result.code === 0 ? 1 : 0);
    tests.failed += notOk || (result.code === 0 ? 0 : 1);
    if (result.code !== 0) {
      failures.push(`${className}:\n${result.problem ?? failureLines(result.stdout + result.stderr)}`);
    }
    context.heartbeat({ step: 'check', className });
  }
  if (failures.length) {
    await buildFailed(job, `${failures.length} Java check(s) failed:\n${failures.join('\n')}`);
  }
  let reason: string | undefined;
  let built = compiler;
  if (spring.length) {
    const maven = await mavenPackage(job);
    if (maven.ok) {
      built = `${compiler}; ${maven.version}`;
      job.log.push(`mvn package compiled the Spring sources too (${spring.length} file(s))`);
      return { compiled: true, compiler: built, tests, notCompiled: [], logPath: LOG_PATH };
    }
    reason = maven.reason;
    job.log.push(`not compiled (${reason}):`, ...spring.map((f) => `  ${f}`));
  }
  return {
    compiled: true,
    compiler: built,
    tests,
    notCompiled: spring.map(inWorkspace),
    logPath: LOG_PATH,
    ...(reason ? { reason } : {}),
  };
}

/**
 * `mvn package` for the sources that need Spring Boot. Only with BATON_BUILD_MAVEN=1, because it
 * downloads dependencies; a failing package fails the build like javac does.
 */
async function mavenPackage(
  job: Job,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const { root, rel, context } = job;
  if (process.env.BATON_BUILD_MAVEN !== '1') {
    return {
      ok: false,
      reason:
        'needs Spring Boot on the classpath (run mvn package, or set BATON_BUILD_MAVEN=1 on the worker)',
    };
  }
  const hasPom = await readFile(path.join(root, 'pom.xml'), 'utf8').then(
    () => true,
    () => false,
  );
  if (!hasPom)
    return { ok: false, reason: `needs Spring Boot on the classpath, and ${rel || '.'} has no pom.xml` };
  const version = await runProcess('mvn', ['-B', '-v'], { cwd: root, context, timeoutMs: 60_000 });
  record(job, 'mvn -B -v', version);
  if (version.code !== 0) {
    return {
      ok: false,
      reason: `needs Spring Boot on the classpath, and mvn is not available (${version.problem ?? firstLines(version.stderr, 2)})`,
    };
  }
  const args = ['-B', '-q', 'package'];
  const result = await runProcess('mvn', args, { cwd: root, context, timeoutMs: 15 * 60_000 });
  record(job, `mvn ${args.join(' ')}`, result);
  if (result.code !== 0) {
    await buildFailed(
      job,
      `mvn package failed in ${rel || '.'}:\n${firstLines(result.stdout + result.stderr) || (result.problem ?? '')}`,
    );
  }
  // eslint-disable-next-line no-control-regex -- strips the colours some mvn builds print anyway
  return { ok: true, version: firstLines(version.stdout, 1).replace(/\u001b\[[0-9;]*m/g, '') };
}

/** Checks, compiles and tests a generated project for real, and fails the phase when it does not build. */
export const buildAgent = defineAgent({
  name: 'build',
  description:
    'Syntax-checks and tests a Node project, or compiles and self-checks a Java project with javac ' +
    '(and mvn package, with BATON_BUILD_MAVEN=1).',
  input: BuildInputSchema,
  output: BuildOutputSchema,
  async run(input, context) {
    const root = resolveInside(context.workspace, input.dir, 'dir');
    const job: Job = {
      workspace: context.workspace,
      root,
      rel: toPosix(path.relative(context.workspace, root)),
      context,
      log: [],
    };
    const exists = await readdir(root).then(
      () => true,
      () => false,
    );
    if (!exists) {
      throw badInput(`dir "${input.dir}" does not exist in the workspace; run the codegen phase first`);
    }
    job.log.push(`build ${input.target} in ${job.rel || '.'}`);
    context.heartbeat({ step: 'start', target: input.target });
    const output = input.target === 'java-springboot' ? await buildJava(job) : await buildNode(job);
    job.log.push(`BUILD OK: ${output.tests.passed} passed, ${output.tests.failed} failed`);
    await writeLog(job);
    return output;
  },
});

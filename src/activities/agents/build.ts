import { AGENT_INPUTS } from '../../shared/agent-inputs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { agentFailure, badInput } from '../failures';
import { type AgentContext, defineAgent } from './agent';
import { isDirectory, listFiles, resolveInside, toPosix } from './toolbox/files';
import { type ProcessResult, runProcess } from './toolbox/process';
import { firstLines, stripAnsi } from './toolbox/text';

const BuildInputSchema = AGENT_INPUTS.build;

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
  throw agentFailure('BuildFailed', `${message}\n(full log: ${LOG_PATH})`);
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
  // Some mvn builds print colours anyway.
  return { ok: true, version: stripAnsi(firstLines(version.stdout, 1)) };
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
    if (!(await isDirectory(root))) {
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

/**
 * The Java build: javac compiles the JDK-only sources and runs the *Check self-checks; the
 * sources that import Spring are packaged by the project's build tool (./spring.ts) when it can.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { BuildToolSchema } from '../../../shared/agent-inputs';
import { badInput } from '../../failures';
import { listFiles } from '../toolbox/files';
import { runProcess } from '../toolbox/process';
import { firstLines } from '../toolbox/text';
import { type BuildOutput, buildFailed, failureLines, type Job, LOG_PATH, record, writeLog } from './job';
import { chooseTool, springPackage } from './spring';

type BuildTool = z.infer<typeof BuildToolSchema>;

const SPRING_IMPORT = /^\s*import\s+(?:static\s+)?org\.springframework\./m;

export async function buildJava(job: Job, asked: BuildTool | undefined): Promise<BuildOutput> {
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
    const tool = await chooseTool(root, asked);
    const jdk = Number(/\bjavac (\d+)/.exec(compiler)?.[1] ?? NaN);
    const packaged = await springPackage(job, tool, Number.isNaN(jdk) ? undefined : jdk);
    if (packaged.ok) {
      built = `${compiler}; ${packaged.version}`;
      job.log.push(`${tool} compiled the Spring sources too (${spring.length} file(s))`);
      return { compiled: true, compiler: built, tests, notCompiled: [], logPath: LOG_PATH };
    }
    reason = packaged.reason;
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

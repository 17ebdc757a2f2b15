/** The JavaScript build: `node --check` every file, then the project's node:test tests. */
import { badInput } from '../../failures';
import { listFiles, skipping } from '../toolbox/files';
import { runProcess } from '../toolbox/process';
import { firstLines } from '../toolbox/text';
import { type BuildOutput, buildFailed, failureLines, type Job, LOG_PATH, record } from './job';

const TEST_FILE = /\.test\.[mc]?js$/;

/**
 * Runs `node --test` on the files (relative to `cwd`, the project dir unless given) and counts
 * the TAP results; a failing test fails the build with its diagnostics.
 */
export async function runNodeTests(
  job: Job,
  tests: readonly string[],
  cwd = job.root,
): Promise<{ passed: number; failed: number }> {
  const { rel, context } = job;
  const args = ['--test', '--test-reporter=tap', ...tests];
  const result = await runProcess(process.execPath, args, { cwd, context, timeoutMs: 120_000 });
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
  return { passed, failed };
}

/** The test files under `dir` (a compiler's output dir, which may be named build), relative to the project dir. */
export async function testFiles(root: string, dir: string): Promise<string[]> {
  const files = await listFiles(root, root, skipping('tooling'));
  return files.filter((f) => f.startsWith(`${dir}/`) && TEST_FILE.test(f));
}

export async function buildNode(job: Job): Promise<BuildOutput> {
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
  const tests = files.filter((f) => f.startsWith('test/') && TEST_FILE.test(f));
  if (tests.length === 0) {
    job.log.push(`no test files under ${rel || '.'}/test`);
    return { compiled: true, compiler, tests: { passed: 0, failed: 0 }, notCompiled: [], logPath: LOG_PATH };
  }
  const counts = await runNodeTests(job, tests);
  return { compiled: true, compiler, tests: counts, notCompiled: [], logPath: LOG_PATH };
}

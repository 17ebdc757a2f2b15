/**
 * The TypeScript build: install the project's dependencies when they are missing, type-check with
 * the project's own `tsc --noEmit`, compile, and run the compiled node:test tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../failures';
import { isDirectory, toPosix } from '../toolbox/files';
import { runProcess } from '../toolbox/process';
import { firstLines } from '../toolbox/text';
import { type BuildOutput, buildFailed, type Job, LOG_PATH, record } from './job';
import { runNodeTests, testFiles } from './node';

const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

/** The compiler's output directory from tsconfig.json (comments allowed, as tsc allows them). */
async function outDirOf(root: string): Promise<string> {
  const ts = (await import('typescript')).default;
  const read = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const outDir = (read.config as { compilerOptions?: { outDir?: unknown } } | undefined)?.compilerOptions
    ?.outDir;
  return typeof outDir === 'string' && outDir ? toPosix(path.normalize(outDir)) : '.';
}

/** `npm install` when node_modules is missing: a fresh checkout or worktree has none. */
async function install(job: Job): Promise<void> {
  const { root, rel, context } = job;
  if (await isDirectory(path.join(root, 'node_modules'))) return;
  context.heartbeat({ step: 'npm install' });
  const args = ['install', '--no-audit', '--no-fund'];
  const result = await runProcess('npm', args, { cwd: root, context, timeoutMs: 10 * 60_000 });
  record(job, `npm ${args.join(' ')}`, result);
  if (result.code !== 0) {
    await buildFailed(
      job,
      `npm install failed in ${rel || '.'}:\n${result.problem ?? firstLines(result.stderr || result.stdout)}`,
    );
  }
}

/** Runs the project's tsc; a failure (tsc prints its errors on stdout) fails the build. */
async function tsc(job: Job, compiler: string, args: string[]): Promise<void> {
  const { root, rel, context } = job;
  const result = await runProcess(process.execPath, [compiler, ...args], {
    cwd: root,
    context,
    timeoutMs: 5 * 60_000,
  });
  record(job, `tsc ${args.join(' ')}`, result);
  if (result.code !== 0) {
    const detail = result.problem ?? firstLines(result.stdout + result.stderr);
    await buildFailed(job, `tsc ${args.join(' ')} failed in ${rel || '.'}:\n${detail}`);
  }
  context.heartbeat({ step: 'tsc', args: args.join(' ') });
}

export async function buildTypeScript(job: Job): Promise<BuildOutput> {
  const { root, rel } = job;
  for (const file of ['package.json', 'tsconfig.json']) {
    if (!(await exists(path.join(root, file)))) {
      throw badInput(
        `dir "${rel || '.'}" has no ${file}, so it is no TypeScript project; set dir to codegen's "dir", or typescript to false`,
      );
    }
  }
  await install(job);
  const compiler = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!(await exists(compiler))) {
    await buildFailed(
      job,
      `${rel || '.'}/node_modules has no typescript; add it to the project's devDependencies`,
    );
  }
  await tsc(job, compiler, ['--noEmit', '-p', '.']);
  await tsc(job, compiler, ['-p', '.']);
  const { version } = JSON.parse(
    await readFile(path.join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'),
  ) as { version: string };
  const built = `tsc ${version}; node ${process.version}`;
  const outDir = await outDirOf(root);
  const tests = await testFiles(root, outDir === '.' ? 'test' : outDir);
  if (tests.length === 0) {
    job.log.push(`no compiled test files under ${rel || '.'}/${outDir}`);
    return {
      compiled: true,
      compiler: built,
      tests: { passed: 0, failed: 0 },
      notCompiled: [],
      logPath: LOG_PATH,
    };
  }
  const counts = await runNodeTests(job, tests);
  return { compiled: true, compiler: built, tests: counts, notCompiled: [], logPath: LOG_PATH };
}

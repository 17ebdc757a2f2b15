/**
 * Packaging the Spring sources of a Java project with its build tool: `mvn -B -q package`
 * whenever mvn is on the PATH (BATON_BUILD_MAVEN=0 turns it off, for fast test runs), or
 * `gradle build` when gradle is. Without the tool, the Spring sources are reported not compiled,
 * with the reason; a package that fails fails the build like javac does.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { BuildToolSchema } from '../../../shared/agent-inputs';
import { runProcess } from '../toolbox/process';
import { firstLines, stripAnsi } from '../toolbox/text';
import { buildFailed, type Job, record } from './job';

type BuildTool = z.infer<typeof BuildToolSchema>;
export type Packaged = { ok: true; version: string } | { ok: false; reason: string };

const NEEDS = 'needs Spring Boot on the classpath';

/** What each tool reads, how it says its version, how it packages, and where the Java release is set. */
const TOOLS = {
  maven: {
    command: 'mvn',
    files: ['pom.xml'],
    version: ['-B', '-v'],
    build: ['-B', '-q', 'package'],
    versionLine: /^Apache Maven .*/m,
    release: /<java\.version>\s*(\d+)\s*<\/java\.version>/,
  },
  gradle: {
    command: 'gradle',
    files: ['build.gradle', 'build.gradle.kts'],
    version: ['--version'],
    // No daemon: nothing of the build outlives the activity. The *Check self-checks ran already,
    // and are no JUnit tests, which Gradle 9's test task would refuse to find none of.
    build: ['--no-daemon', '-q', 'build', '-x', 'test'],
    versionLine: /^Gradle .*/m,
    release: /JavaLanguageVersion\.of\(\s*(\d+)\s*\)/,
  },
} as const satisfies Record<BuildTool, unknown>;

const read = (file: string) => readFile(file, 'utf8').catch(() => undefined);

/** The project's build file for the tool, with its text, or undefined when it has none. */
async function buildFile(root: string, tool: BuildTool): Promise<{ file: string; text: string } | undefined> {
  for (const file of TOOLS[tool].files) {
    const text = await read(path.join(root, file));
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

/** The tool asked for, or the one whose build file the project has (Maven when both or neither). */
export async function chooseTool(root: string, asked: BuildTool | undefined): Promise<BuildTool> {
  if (asked) return asked;
  return !(await buildFile(root, 'maven')) && (await buildFile(root, 'gradle')) ? 'gradle' : 'maven';
}

/**
 * Packages the project with `tool`. `jdk` is the major version of the worker's javac: a project
 * that targets a newer Java cannot build here, and says so instead of failing in the tool.
 */
export async function springPackage(job: Job, tool: BuildTool, jdk: number | undefined): Promise<Packaged> {
  const { root, rel, context } = job;
  const spec = TOOLS[tool];
  if (tool === 'maven' && process.env.BATON_BUILD_MAVEN === '0') {
    return {
      ok: false,
      reason: `${NEEDS}, and mvn package is turned off on this worker (BATON_BUILD_MAVEN=0)`,
    };
  }
  const found = await buildFile(root, tool);
  if (!found) return { ok: false, reason: `${NEEDS}, and ${rel || '.'} has no ${spec.files.join(' or ')}` };
  const release = Number(spec.release.exec(found.text)?.[1] ?? NaN);
  if (jdk !== undefined && release > jdk) {
    return {
      ok: false,
      reason: `${NEEDS}, and ${found.file} targets Java ${release} but this worker's JDK is ${jdk}; install JDK ${release}+ or set java_version to ${jdk}`,
    };
  }
  const version = await runProcess(spec.command, spec.version, { cwd: root, context, timeoutMs: 120_000 });
  record(job, `${spec.command} ${spec.version.join(' ')}`, version);
  if (version.code !== 0) {
    const why = version.problem ?? firstLines(version.stderr, 2);
    return {
      ok: false,
      reason: `${NEEDS}, and ${spec.command} is not available (${why}); install ${tool === 'maven' ? 'Maven' : 'Gradle 8'} on the worker`,
    };
  }
  const result = await runProcess(spec.command, spec.build, { cwd: root, context, timeoutMs: 15 * 60_000 });
  record(job, `${spec.command} ${spec.build.join(' ')}`, result);
  if (result.code !== 0) {
    await buildFailed(
      job,
      `${spec.command} ${spec.build.join(' ')} failed in ${rel || '.'}:\n${firstLines(stripAnsi(result.stdout + result.stderr)) || (result.problem ?? '')}`,
    );
  }
  // Some builds print colours anyway.
  const line = spec.versionLine.exec(stripAnsi(version.stdout))?.[0];
  return { ok: true, version: line ?? `${spec.command} (version unknown)` };
}

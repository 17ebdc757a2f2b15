/** What every build step shares: the project it builds, its log, and how a step fails the build. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { agentFailure } from '../../failures';
import type { AgentContext } from '../agent';
import type { ProcessResult } from '../toolbox/process';
import { firstLines } from '../toolbox/text';

export const BuildOutputSchema = z.object({
  compiled: z.boolean(),
  compiler: z.string(),
  tests: z.object({ passed: z.number().int().min(0), failed: z.number().int().min(0) }),
  notCompiled: z.array(z.string()),
  logPath: z.string(),
  /** Why nothing (or not everything) was compiled. */
  reason: z.string().optional(),
});
export type BuildOutput = z.input<typeof BuildOutputSchema>;

export const LOG_PATH = 'reports/build.log';

export interface Job {
  workspace: string;
  /** Project dir, absolute, and relative to the workspace (posix, '' for the workspace itself). */
  root: string;
  rel: string;
  context: AgentContext;
  log: string[];
}

export function record(job: Job, command: string, result: ProcessResult): void {
  job.log.push(`$ ${command}`, result.stdout.trimEnd(), result.stderr.trimEnd());
  if (result.problem) job.log.push(`(${result.problem})`);
  job.log.push(`exit ${result.code ?? 'none'}`, '');
}

export async function writeLog(job: Job): Promise<void> {
  const file = path.join(job.workspace, LOG_PATH);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, job.log.filter((line) => line !== '').join('\n') + '\n');
}

export async function buildFailed(job: Job, message: string): Promise<never> {
  job.log.push(`BUILD FAILED: ${message}`);
  await writeLog(job);
  throw agentFailure('BuildFailed', `${message}\n(full log: ${LOG_PATH})`);
}

/** `not ok` lines and the diagnostics under them, from TAP output. */
export function failureLines(tap: string): string {
  const lines = tap.split('\n');
  const start = lines.findIndex((line) => /^\s*not ok\b/.test(line));
  return start < 0 ? firstLines(tap) : firstLines(lines.slice(start).join('\n'), 15);
}

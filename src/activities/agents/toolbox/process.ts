/** Running a tool (node, javac, mvn) to its end with its output collected, for the built-in agents. */
import path from 'node:path';
import { cancellation } from '../../failures';
import { startHeartbeat } from '../../heartbeat';
import type { AgentContext } from '../agent';
import { childEnv, runInGroup } from './process-group';

const MAX_OUTPUT = 1024 * 1024;
const BEAT_MS = 5_000;

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
export async function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd: string; context: AgentContext; timeoutMs?: number },
): Promise<ProcessResult> {
  const { cwd, context, timeoutMs = 60_000 } = options;
  const streams = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const sizes = { stdout: 0, stderr: 0 };
  // Too much output stops the program like a cancel does; `overflow` tells the two apart.
  const overflow = new AbortController();
  const heartbeat = startHeartbeat(context.heartbeat, () => ({ running: path.basename(file) }), {
    everyMs: BEAT_MS,
  });
  const outcome = await runInGroup({
    command: file,
    args: [...args],
    cwd,
    env: childEnv(),
    stdin: undefined,
    timeoutMs,
    signal: AbortSignal.any([context.signal, overflow.signal]),
    onData(chunk, stream) {
      sizes[stream] += chunk.length;
      if (sizes[stream] > MAX_OUTPUT) overflow.abort();
      else streams[stream].push(chunk);
    },
  }).finally(() => heartbeat.stop());
  if (context.signal.aborted) throw cancellation(context.signal);
  const stdout = Buffer.concat(streams.stdout).toString('utf8');
  const stderr = Buffer.concat(streams.stderr).toString('utf8');
  const error = outcome.spawnError;
  let problem: string | undefined;
  if (error?.code === 'ENOENT') problem = `${file} was not found on PATH`;
  else if (error) problem = `${file} could not be started (${error.code ?? error.message})`;
  else if (overflow.signal.aborted) problem = `output exceeded ${MAX_OUTPUT} bytes`;
  else if (outcome.stoppedBy === 'timeout') problem = `timed out after ${timeoutMs} ms`;
  const code = problem ? null : outcome.code;
  return { code, stdout, stderr, ...(problem ? { problem } : {}) };
}

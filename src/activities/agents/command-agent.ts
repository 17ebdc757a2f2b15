import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { DurationSchema } from '../../shared/definition';
import { DURATION_HINT, formatDuration, parseDuration } from '../../shared/duration';
import { guessMediaType } from '../artifacts';
import { type Agent, type ArtifactRef, defineAgent } from './agent';

/** Grace between SIGTERM and SIGKILL for the command's process group. */
const KILL_GRACE_MS = 2_000;
/** Full output up to this size is saved as the `command-output.log` artifact; beyond it, head and tail. */
const LOG_ARTIFACT_CAP = 10 * 1024 * 1024;
/** Files up to this size are hashed and saved when changed; larger ones are only listed. */
const FILE_ARTIFACT_CAP = 5 * 1024 * 1024;
const MAX_FILE_ARTIFACTS = 100;
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.baton']);
const BEAT_MS = 1_000;
const QUIET_BEAT_MS = 5_000;

/** One command agent as `baton.config.yaml` holds it under `commandAgents.<name>`. */
export const CommandAgentConfigSchema = z
  .object({
    description: z.string().optional(),
    /** The program, looked up on the worker's PATH, or an absolute path. Not templated, never a shell. */
    command: z.string().min(1),
    /** Each arg is templated: `{{input.key}}`, `{{prompt}}`, `{{workspace}}`, `{{phase}}`, `{{attempt}}`. */
    args: z.array(z.string()).default([]),
    /** Prompt template; a `prompt` in the phase input replaces it (used verbatim). */
    prompt: z.string().optional(),
    timeout: DurationSchema.refine((v) => parseDuration(v) !== undefined, {
      error: `not a duration; ${DURATION_HINT}`,
    }).default('30m'),
    /** Extra environment variables (values templated) on top of the worker's environment. */
    env: z.record(z.string(), z.string()).default({}),
    /** Bytes of stdout plus stderr kept in the result (head and tail); the rest is only in the log artifact. */
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024),
    /** `prompt` writes the rendered prompt to the command's stdin; `none` gives it an empty stdin. */
    stdin: z.enum(['prompt', 'none']).default('none'),
    /** When true (default) a non-zero exit fails the phase as `Agent.CommandFailed`; else it is the result. */
    failOnNonZero: z.boolean().default(true),
  })
  .strict();
export type CommandAgentConfig = z.input<typeof CommandAgentConfigSchema>;

export const CommandAgentSpecSchema = CommandAgentConfigSchema.extend({ name: z.string().min(1) });
export type CommandAgentSpec = z.input<typeof CommandAgentSpecSchema>;

export const CommandAgentInputSchema = z.object({ prompt: z.string().optional() }).catchall(z.unknown());

const ArtifactRefSchema = z.object({
  uri: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  mediaType: z.string(),
  name: z.string(),
});

export const CommandAgentOutputSchema = z.object({
  exitCode: z.number().int(),
  /** The signal that ended the command, when one did. */
  signal: z.string().optional(),
  stdout: z.string(),
  stderr: z.string(),
  /** Whether stdout or stderr lost their middle to the `maxOutputBytes` bound. */
  truncated: z.boolean(),
  durationMs: z.number(),
  /** Workspace files the command created or modified (content changed), sorted. */
  changedFiles: z.array(z.string()),
  artifacts: z.array(ArtifactRefSchema),
});
export type CommandAgentResult = z.infer<typeof CommandAgentOutputSchema>;

function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'Agent.BadInput');
}

interface Scope {
  input: Record<string, unknown>;
  prompt: string | undefined;
  workspace: string;
  phase: string;
  attempt: number;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function keysOf(value: unknown): string {
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  return keys.length ? keys.join(', ') : '(none)';
}

/** Replaces `{{...}}` placeholders; non-string values are JSON-encoded. `where` names the field in errors. */
function render(text: string, scope: Scope, where: string): string {
  return text.replace(PLACEHOLDER, (_match, expr: string) => {
    const value = lookup(expr, scope, where);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function lookup(expr: string, scope: Scope, where: string): unknown {
  if (expr === 'workspace') return scope.workspace;
  if (expr === 'phase') return scope.phase;
  if (expr === 'attempt') return scope.attempt;
  if (expr === 'prompt') {
    if (scope.prompt !== undefined) return scope.prompt;
    throw badInput(
      where === 'prompt'
        ? `${where}: the prompt template cannot use {{prompt}}`
        : `${where}: {{prompt}} is used but there is no prompt; set "prompt" in the phase input or in the command agent`,
    );
  }
  if (expr !== 'input' && !expr.startsWith('input.')) {
    throw badInput(
      `${where}: unknown placeholder {{${expr}}}; use {{input.<key>}}, {{prompt}}, {{workspace}}, {{phase}} or {{attempt}}`,
    );
  }
  let value: unknown = scope.input;
  let at = 'input';
  for (const key of expr === 'input' ? [] : expr.slice('input.'.length).split('.')) {
    if (
      value === null ||
      typeof value !== 'object' ||
      !Object.hasOwn(value, key) ||
      (value as Record<string, unknown>)[key] === undefined
    ) {
      throw badInput(
        `${where}: placeholder {{${expr}}} has no value in the phase input; keys of ${at}: ${keysOf(value)}`,
      );
    }
    value = (value as Record<string, unknown>)[key];
    at = `${at}.${key}`;
  }
  return value;
}

/** Keeps the first and last bytes of a stream, counting what it drops. */
function createCapture(limit: number) {
  const headCap = Math.floor(limit / 2);
  const head: Buffer[] = [];
  const tail: Buffer[] = [];
  let headLength = 0;
  let tailLength = 0;
  let total = 0;
  return {
    get total() {
      return total;
    },
    push(chunk: Buffer): void {
      total += chunk.length;
      if (headLength < headCap) {
        const taken = chunk.subarray(0, headCap - headLength);
        head.push(taken);
        headLength += taken.length;
        chunk = chunk.subarray(taken.length);
      }
      if (chunk.length === 0) return;
      tail.push(chunk);
      tailLength += chunk.length;
      while (tail.length > 1 && tailLength - tail[0]!.length >= limit - headCap) {
        tailLength -= tail.shift()!.length;
      }
    },
    /** The text, or its first and last `keep` bytes around a marker (`keep` at most the capture's limit). */
    render(keep = limit): { text: string; truncated: boolean } {
      const first = Buffer.concat(head);
      const last = Buffer.concat(tail);
      const whole = first.length + last.length === total ? Buffer.concat([first, last]) : undefined;
      if (whole && total <= keep) return { text: whole.toString('utf8'), truncated: false };
      const start = (whole ?? first).subarray(0, charBoundary(whole ?? first, Math.floor(keep / 2), -1));
      const rest = whole ?? last;
      const end = rest.subarray(
        charBoundary(rest, Math.max(0, rest.length - (keep - Math.floor(keep / 2))), 1),
      );
      const omitted = total - start.length - end.length;
      return {
        text: `${start.toString('utf8')}\n[… ${omitted} bytes omitted …]\n${end.toString('utf8')}`,
        truncated: true,
      };
    },
  };
}

/** Moves a cut off UTF-8 continuation bytes so no character is split. */
function charBoundary(buffer: Buffer, index: number, direction: 1 | -1): number {
  while (index > 0 && index < buffer.length && (buffer[index]! & 0xc0) === 0x80) index += direction;
  return index;
}

/** Splits `maxOutputBytes` between stdout and stderr: a quiet stream leaves its share to the other. */
function shares(a: number, b: number, max: number): [number, number] {
  const half = Math.floor(max / 2);
  if (a + b <= max) return [max, max];
  if (a <= half) return [a, max - a];
  if (b <= half) return [max - b, b];
  return [half, max - half];
}

// Coding-agent CLIs color their output; heartbeats and messages should not carry the escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

function lastLines(text: string, count: number, chars = 2_000): string {
  const lines = text
    .replace(ANSI, '')
    .split(/\r?\n|\r/)
    .filter((line) => line.trim());
  return lines.slice(-count).join('\n').slice(-chars);
}

/** Signals the process group led by `pid`; false once the group is gone. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left after the grace period. */
async function terminateGroup(pid: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  for (const deadline = Date.now() + KILL_GRACE_MS; Date.now() < deadline;) {
    await delay(50);
    if (!signalGroup(pid, 0)) return;
  }
  signalGroup(pid, 'SIGKILL');
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stoppedBy?: 'timeout' | 'cancel';
  spawnError?: NodeJS.ErrnoException;
}

interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  onData(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
}

/**
 * Runs the command as the leader of its own process group (no shell), so a timeout, a cancel, or
 * background processes left behind after it exits are ended together with everything it started.
 */
async function runCommand(launch: Launch): Promise<Outcome> {
  let child: ChildProcess;
  try {
    child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      shell: false,
      detached: process.platform !== 'win32',
      windowsHide: true,
      stdio: [launch.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    return { code: null, signal: null, spawnError: error as NodeJS.ErrnoException };
  }
  child.stdout?.on('data', (chunk: Buffer) => launch.onData(chunk, 'stdout'));
  child.stderr?.on('data', (chunk: Buffer) => launch.onData(chunk, 'stderr'));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawnError) return { code: null, signal: null, spawnError };
  child.on('error', () => undefined);
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // the command may exit without reading its stdin
    child.stdin.end(launch.stdin);
  }

  const pid = child.pid!;
  let stoppedBy: Outcome['stoppedBy'];
  let stopping: Promise<void> | undefined;
  let done = false;
  const stop = (why: 'timeout' | 'cancel') => {
    if (done) return;
    stoppedBy ??= why;
    stopping ??= terminateGroup(pid);
  };
  // setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days).
  const timer = setTimeout(() => stop('timeout'), Math.min(launch.timeoutMs, 2 ** 31 - 1));
  const onAbort = () => stop('cancel');
  launch.signal.addEventListener('abort', onAbort, { once: true });
  if (launch.signal.aborted) onAbort();
  try {
    const [code, signal] = await exited;
    done = true;
    // Whatever the command left running in its group would otherwise outlive the phase.
    stopping ??= terminateGroup(pid);
    await stopping;
    // A process that escaped the group could hold the pipes open forever.
    await Promise.race([closed, delay(KILL_GRACE_MS, undefined, { ref: false })]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    return { code, signal, ...(stoppedBy ? { stoppedBy } : {}) };
  } finally {
    clearTimeout(timer);
    launch.signal.removeEventListener('abort', onAbort);
  }
}

interface FileState {
  size: number;
  mtimeMs: number;
  sha256?: string;
}

/** Path → size, mtime and (for files up to FILE_ARTIFACT_CAP) content hash, skipping tool dirs. */
async function snapshot(root: string): Promise<Map<string, FileState>> {
  const files = new Map<string, FileState>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        try {
          const { size, mtimeMs } = await stat(full);
          const state: FileState = { size, mtimeMs };
          if (size <= FILE_ARTIFACT_CAP) {
            state.sha256 = createHash('sha256')
              .update(await readFile(full))
              .digest('hex');
          }
          files.set(path.relative(root, full).split(path.sep).join('/'), state);
        } catch {
          // Removed while we looked: it is simply not in this snapshot.
        }
      }
    }
  };
  await walk(root);
  return files;
}

function changedBetween(before: Map<string, FileState>, after: Map<string, FileState>): string[] {
  const changed: string[] = [];
  for (const [file, now] of after) {
    const then = before.get(file);
    const differs =
      !then ||
      (now.sha256 && then.sha256
        ? now.sha256 !== then.sha256
        : now.size !== then.size || now.mtimeMs !== then.mtimeMs);
    if (differs) changed.push(file);
  }
  return changed.sort();
}

function spawnFailure(name: string, command: string, error: NodeJS.ErrnoException): ApplicationFailure {
  const fix = `install it on the worker's machine and put it on the worker's PATH, or set commandAgents.${name}.command in baton.config.yaml to its absolute path`;
  if (error.code === 'ENOENT')
    return badInput(`Command agent "${name}": command "${command}" was not found; ${fix}`);
  if (error.code === 'EACCES')
    return badInput(`Command agent "${name}": command "${command}" is not executable; ${fix}`);
  return badInput(
    `Command agent "${name}": command "${command}" could not be started (${error.code ?? error.message})`,
  );
}

function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * An agent that runs an external CLI (a coding agent, a build tool, a linter) in the run's workspace.
 * Args, prompt and env are templated from the phase input; the exit code, the bounded output and
 * the files the command changed (as artifacts) are the result.
 *
 * A retried phase runs the command again in the same workspace, after whatever an earlier attempt
 * left there, so the CLI should be idempotent in the workspace (or read `BATON_WORKFLOW_ID`,
 * `BATON_PHASE` and `BATON_ATTEMPT` to key its own side effects). Changed files are measured
 * against a snapshot taken at the start of each attempt.
 */
export function defineCommandAgent(spec: CommandAgentSpec): Agent {
  const parsed = CommandAgentSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new TypeError(`Command agent "${String(spec.name)}" is invalid: ${describeIssues(parsed.error)}`);
  }
  const config = parsed.data;
  const timeoutMs = parseDuration(config.timeout)!;
  const label = `Command agent "${config.name}"`;

  return defineAgent({
    name: config.name,
    description: config.description ?? `Runs \`${config.command}\` in the run's workspace.`,
    input: CommandAgentInputSchema,
    output: CommandAgentOutputSchema,
    async run(input, context): Promise<CommandAgentResult> {
      if (context.signal.aborted) throw cancelled(context.signal);
      const scope: Scope = {
        input,
        prompt: undefined,
        workspace: context.workspace,
        phase: context.phase,
        attempt: context.attempt,
      };
      scope.prompt =
        input.prompt ?? (config.prompt === undefined ? undefined : render(config.prompt, scope, 'prompt'));
      const args = config.args.map((arg, i) => render(arg, scope, `args[${i}]`));
      const extraEnv = Object.fromEntries(
        Object.entries(config.env).map(([k, v]) => [k, render(v, scope, `env.${k}`)]),
      );
      if (config.stdin === 'prompt' && scope.prompt === undefined) {
        throw badInput(
          `${label} has stdin: prompt but no prompt; set "prompt" in the phase input or in the command agent`,
        );
      }
      const workspaceOk = await stat(context.workspace).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!workspaceOk) {
        const message = `${label}: workspace ${context.workspace} is not a directory`;
        throw ApplicationFailure.retryable(message, 'Agent.Workspace');
      }

      // The command must not inherit the worker's loaders or a test runner's protocol.
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_OPTIONS;
      delete env.NODE_TEST_CONTEXT;
      Object.assign(env, {
        BATON_WORKFLOW_ID: context.workflowId,
        BATON_PHASE: context.phase,
        BATON_ATTEMPT: String(context.attempt),
        ...extraEnv,
      });

      const before = await snapshot(context.workspace);
      const stdout = createCapture(config.maxOutputBytes);
      const stderr = createCapture(config.maxOutputBytes);
      const log = createCapture(LOG_ARTIFACT_CAP);
      let lines = 0;
      let recent = '';
      let dirty = false;
      let lastBeat = 0;
      const started = Date.now();
      const beat = () => {
        lastBeat = Date.now();
        dirty = false;
        const bytes = stdout.total + stderr.total;
        context.heartbeat({
          command: config.command,
          bytes,
          lines,
          lastLine: lastLines(recent, 1, 200),
          elapsedMs: lastBeat - started,
        });
      };
      const ticker = setInterval(() => {
        const since = Date.now() - lastBeat;
        if ((dirty && since >= BEAT_MS) || since >= QUIET_BEAT_MS) beat();
      }, BEAT_MS / 4);
      context.log(`${label}: running ${config.command}`, { args: args.length, timeoutMs });
      beat();
      let outcome: Outcome;
      try {
        outcome = await runCommand({
          command: config.command,
          args,
          cwd: context.workspace,
          env,
          stdin: config.stdin === 'prompt' ? scope.prompt : undefined,
          timeoutMs,
          signal: context.signal,
          onData(chunk, stream) {
            (stream === 'stdout' ? stdout : stderr).push(chunk);
            log.push(chunk);
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            recent = (recent + chunk.subarray(-1024).toString('utf8')).slice(-2048);
            dirty = true;
            if (Date.now() - lastBeat >= BEAT_MS) beat();
          },
        });
      } finally {
        clearInterval(ticker);
      }
      const durationMs = Date.now() - started;
      if (outcome.spawnError) throw spawnFailure(config.name, config.command, outcome.spawnError);
      if (outcome.stoppedBy === 'cancel' || context.signal.aborted) throw cancelled(context.signal);

      const artifacts: ArtifactRef[] = [];
      let logNote = '';
      if (log.total > 0) {
        const ref = await context.saveArtifact({
          name: 'command-output.log',
          // runAgent redacts API keys from text artifacts and outputs (commands inherit the environment).
          content: log.render().text,
          mediaType: 'text/plain',
        });
        artifacts.push(ref);
        logNote = `\n(full output: ${ref.uri})`;
      }
      if (outcome.stoppedBy === 'timeout') {
        const tail = lastLines(log.render(8 * 1024).text, 20);
        throw ApplicationFailure.retryable(
          `${label}: "${config.command}" timed out after ${formatDuration(timeoutMs)}; its process group was killed. Output ends with:\n${tail || '(no output)'}${logNote}`,
          'Agent.Timeout',
        );
      }
      const signalNumber = outcome.signal ? osConstants.signals[outcome.signal] : undefined;
      const exitCode = outcome.code ?? (signalNumber ? 128 + signalNumber : -1);
      const [outShare, errShare] = shares(stdout.total, stderr.total, config.maxOutputBytes);
      const out = stdout.render(outShare);
      const err = stderr.render(errShare);
      if (exitCode !== 0 && config.failOnNonZero) {
        const tail = lastLines(err.text, 20) || lastLines(out.text, 20);
        const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${exitCode}`;
        throw ApplicationFailure.nonRetryable(
          `${label}: "${config.command}" ${how} after ${formatDuration(durationMs)}. ${err.text.trim() ? 'stderr' : 'Output'} ends with:\n${tail || '(no output)'}${logNote}`,
          'Agent.CommandFailed',
        );
      }

      const after = await snapshot(context.workspace);
      const changedFiles = changedBetween(before, after);
      for (const file of changedFiles) {
        const state = after.get(file)!;
        if (state.sha256 === undefined || artifacts.length > MAX_FILE_ARTIFACTS) {
          context.log(`${label}: ${file} changed but is not saved as an artifact`, { bytes: state.size });
          continue;
        }
        const content = await readFile(path.join(context.workspace, file)).catch(() => undefined);
        if (content === undefined) continue; // removed since the snapshot
        artifacts.push(await context.saveArtifact({ name: file, content, mediaType: guessMediaType(file) }));
      }
      context.log(`${label}: ${config.command} exited ${exitCode}`, {
        durationMs,
        changedFiles: changedFiles.length,
      });
      return {
        exitCode,
        ...(outcome.signal ? { signal: outcome.signal } : {}),
        stdout: out.text,
        stderr: err.text,
        truncated: out.truncated || err.truncated,
        durationMs,
        changedFiles,
        artifacts,
      };
    },
  });
}

/** The agents of a config file's `commandAgents` map, each named by its key. */
export function defineCommandAgents(configs: Record<string, CommandAgentConfig>): Agent[] {
  return Object.entries(configs).map(([name, config]) => defineCommandAgent({ ...config, name }));
}

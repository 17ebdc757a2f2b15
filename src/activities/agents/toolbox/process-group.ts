/**
 * The one process runner: a program (never a shell) as the leader of its own process group, so a
 * timeout, a cancel, or background processes it leaves behind are ended together with everything
 * it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** Grace between SIGTERM and SIGKILL for the process group. */
const KILL_GRACE_MS = 2_000;

/**
 * The worker's environment for a child: without the worker's loaders or a parent test runner's
 * protocol, which would otherwise break any Node program the child runs.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return Object.assign(env, extra);
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

/** How a program ended: its exit, or why it was stopped or never started. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stoppedBy?: 'timeout' | 'cancel';
  spawnError?: NodeJS.ErrnoException;
}

export interface Launch {
  /** The program, looked up on PATH, or an absolute path. */
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to the program's stdin; undefined gives it none. */
  stdin: string | undefined;
  timeoutMs: number;
  /** Aborting it stops the program's whole group (outcome `stoppedBy: 'cancel'`). */
  signal: AbortSignal;
  onData(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
}

/** Runs the program to its end; a failing exit is an outcome, not an exception. */
export async function runInGroup(launch: Launch): Promise<Outcome> {
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

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The watchdog stays a plain Node script in scripts/: it is spawned with a bare `node`, without
 * tsx, so that it starts fast and keeps working whatever loader started this process.
 */
const WATCHDOG = fileURLToPath(new URL('../../scripts/watchdog.mjs', import.meta.url));

/**
 * Stops `pid` when this process dies without stopping it: SIGKILL, a crash, or a wrapper (`npx`,
 * `sh -c`) that exits on SIGTERM without passing it on. An 'exit' hook covers only exits Node itself
 * performs. The watchdog ends by itself once the process is gone.
 */
export function guardWithWatchdog(pid: number): void {
  if (process.platform === 'win32') return; // no signals to lose there; the exit hook suffices
  const watchdog = spawn(process.execPath, [WATCHDOG, String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.once('error', () => undefined); // best effort: the 'exit' hook still covers normal exits
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}

/** Sends SIGTERM (SIGKILL when graceMs is 0, or once graceMs passes) and resolves when the process is gone. */
export function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}

/** This process's children whose argv holds every needle (Linux /proc; empty elsewhere). */
export function childPidsMatching(needles: string[]): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        const stat = readText(`/proc/${pid}/stat`);
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const argv = readText(`/proc/${pid}/cmdline`).split('\0');
        return ppid === process.pid && needles.every((n) => argv.includes(n));
      })
      .map(Number);
  } catch {
    return [];
  }
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

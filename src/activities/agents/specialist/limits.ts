/**
 * Seed 000's resource limits, where the OS lets Baton apply them: on command agents, which run as
 * their own process. A specialist's `timeout` lowers its command agent's timeout; `maxMemoryMb`
 * runs the command under `prlimit --as` (util-linux) when the worker has it. The built-in agents
 * run inside the worker's process, where neither can be applied to one agent; the parallel
 * phase's `taskTimeout` bounds them.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { CommandAgentConfig, Specialist } from '../../../config';
import { parseDuration } from '../../../shared/duration';

/** `prlimit` on the worker's PATH, or undefined. */
export function findPrlimit(env: Record<string, string | undefined> = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'prlimit');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The command agents with their specialists' limits applied. A command agent that several
 * specialists name gets the strictest of their limits (it is one agent, registered once).
 */
export function limitCommandAgents(
  commandAgents: Readonly<Record<string, CommandAgentConfig>>,
  specialists: Readonly<Record<string, Specialist>>,
  /** `findPrlimit()`; undefined where the worker has none (memory is then not limited). */
  prlimit: string | undefined,
): Record<string, CommandAgentConfig> {
  const limited: Record<string, CommandAgentConfig> = { ...commandAgents };
  for (const [name, config] of Object.entries(commandAgents)) {
    const limits = Object.values(specialists)
      .filter((s) => s.agent === name && s.limits)
      .map((s) => s.limits!);
    if (limits.length === 0) continue;
    const timeouts = [config.timeout ?? '30m', ...limits.map((l) => l.timeout).filter((t) => t !== undefined)]
      .map((t) => parseDuration(t))
      .filter((ms): ms is number => ms !== undefined);
    const memory = limits.map((l) => l.maxMemoryMb).filter((mb): mb is number => mb !== undefined);
    let next: CommandAgentConfig = { ...config, timeout: Math.min(...timeouts) };
    if (memory.length && prlimit) {
      const bytes = Math.min(...memory) * 1024 * 1024;
      next = {
        ...next,
        command: prlimit,
        args: [`--as=${bytes}`, '--', config.command, ...(config.args ?? [])],
      };
    }
    limited[name] = next;
  }
  return limited;
}

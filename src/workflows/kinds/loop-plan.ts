/**
 * How the scheduler treats loops: a loop's body phases are run only by the loop (a body phase is
 * over when its loop is), and a loop starts once its own needs and its body's needs outside the
 * body are over. Sandbox-safe; no commands.
 */
import type { Phase } from '../../shared/definition';

export interface LoopPlan {
  /** The loop a body phase belongs to; undefined for every other phase. */
  owner(id: string): string | undefined;
  /** What the phase waits for before it starts. */
  needs(phase: Phase): string[];
}

/** `enabled` is the run's patch: runs from before loops schedule exactly as they did. */
export function loopPlan(phases: readonly Phase[], enabled: boolean): LoopPlan {
  const owners = new Map<string, string>();
  if (enabled)
    for (const phase of phases) for (const id of phase.loop?.phases ?? []) owners.set(id, phase.id);
  const byId = new Map(phases.map((p) => [p.id, p]));
  return {
    owner: (id) => owners.get(id),
    needs(phase) {
      if (!phase.loop || !enabled) return phase.needs;
      const body = new Set(phase.loop.phases);
      const outside = phase.loop.phases.flatMap((id) =>
        (byId.get(id)?.needs ?? []).filter((n) => !body.has(n)),
      );
      return [...new Set([...phase.needs, ...outside])];
    },
  };
}

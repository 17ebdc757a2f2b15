/**
 * The decision's estimate. From history when past runs of the template finished its phases (the
 * ETA's per-phase medians, issue 11); otherwise from per-agent defaults. `basis` says which.
 */
import type { Estimate } from './decision';
import { AGENT_DEFAULTS, DEFAULT_USD_PER_TOKEN, PARALLEL_DEFAULT, UNKNOWN_AGENT_DEFAULT } from './tables';

/** What past runs of one template say: per phase id, the median duration; and usage per run. */
export interface TemplateHistory {
  medians: Record<string, { medianMs: number; samples: number }>;
  basedOnRuns: number;
  /** Median tokens and cost of a whole run, when runs recorded usage. */
  tokens?: number;
  costUsd?: number;
}

type RawPhase = { id?: unknown; agent?: unknown; needs?: unknown; parallel?: unknown };

/** Longest path through the DAG of `ms` per phase: independent phases overlap. */
function criticalPath(phases: RawPhase[], ms: (p: RawPhase) => number): number {
  const byId = new Map(phases.map((p) => [String(p.id), p]));
  const ends = new Map<string, number>();
  const end = (p: RawPhase, depth = 0): number => {
    const id = String(p.id);
    const known = ends.get(id);
    if (known !== undefined) return known;
    if (depth > phases.length) return 0; // a cycle: validation refuses it, never loop
    const needs = Array.isArray(p.needs) ? (p.needs as string[]) : [];
    const start = Math.max(0, ...needs.map((n) => (byId.get(n) ? end(byId.get(n)!, depth + 1) : 0)));
    const value = start + ms(p);
    ends.set(id, value);
    return value;
  };
  return Math.max(0, ...phases.map((p) => end(p)));
}

const agentDefault = (p: RawPhase) =>
  p.parallel !== undefined
    ? PARALLEL_DEFAULT
    : (AGENT_DEFAULTS[typeof p.agent === 'string' ? p.agent : ''] ?? UNKNOWN_AGENT_DEFAULT);

/**
 * Estimates a definition's run. History is used only when it covers every phase (as the ETA: no
 * guess for a phase no past run finished); then tokens and cost come from its usage too.
 */
export function estimateRun(
  definition: Record<string, unknown>,
  options: { history?: TemplateHistory; llm: boolean },
): Estimate {
  const phases = (Array.isArray(definition.phases) ? definition.phases : []) as RawPhase[];
  const history = options.history;
  const covered = history && phases.length > 0 && phases.every((p) => history.medians[String(p.id)]);
  if (history && covered) {
    return {
      duration: Math.round(criticalPath(phases, (p) => history.medians[String(p.id)]!.medianMs)),
      tokens: Math.round(history.tokens ?? 0),
      costUsd: Math.round((history.costUsd ?? 0) * 1e6) / 1e6,
      basis: 'history',
    };
  }
  const tokens = options.llm ? phases.reduce((sum, p) => sum + agentDefault(p).llmTokens, 0) : 0;
  return {
    duration: criticalPath(phases, (p) => agentDefault(p).ms),
    tokens,
    costUsd: Math.round(tokens * DEFAULT_USD_PER_TOKEN * 1e6) / 1e6,
    basis: 'defaults',
  };
}

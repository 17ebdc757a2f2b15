import type { Budget, Definition, Phase } from '../shared/definition';
import { addUsage, NO_USAGE, type PhaseStatus, type Usage } from '../shared/status';

const tokens = (u: Usage) => u.inputTokens + u.outputTokens;

/**
 * What a run has spent and may spend: the run's budget, each phase's, and what running phases have
 * reserved. Part of the run state; deterministic, no I/O.
 */
export function createBudgetLedger(definition: Definition) {
  let usage: Usage = NO_USAGE;
  let budget: Budget | undefined = definition.budget;
  const phaseBudgets = new Map<string, Budget | undefined>(definition.phases.map((p) => [p.id, p.budget]));
  /** What running phases may still spend: counted against the run budget before another phase starts. */
  const reserved = new Map<string, { tokens: number; costUsd: number }>();

  return {
    get usage(): Usage {
      return usage;
    },
    get budget(): Budget | undefined {
      return budget;
    },
    /** Adds a phase run's LLM usage to the phase and to the run. */
    spend(phase: PhaseStatus, spent: Partial<Usage>): void {
      phase.usage = addUsage(phase.usage, spent);
      usage = addUsage(usage, spent);
    },
    /** Raises (or sets) the run's budget, or the phase's with `phase`. */
    raise(change: Budget, phase?: string): void {
      if (phase) phaseBudgets.set(phase, { ...phaseBudgets.get(phase), ...change });
      else budget = { ...budget, ...change };
    },
    /** Why starting the phase now could go over a budget, or undefined when it cannot. */
    problem(p: Phase, mine: Usage): string | undefined {
      const own = phaseBudgets.get(p.id);
      if (own?.tokens !== undefined && tokens(mine) >= own.tokens) {
        return `phase budget of ${own.tokens} tokens is spent (${tokens(mine)} used)`;
      }
      if (own?.costUsd !== undefined && mine.costUsd >= own.costUsd) {
        return `phase budget of $${own.costUsd} is spent ($${mine.costUsd.toFixed(4)} used)`;
      }
      // The run reserves what the phase may still spend before it starts it, on top of what phases
      // running now have reserved.
      const others = [...reserved.entries()].filter(([id]) => id !== p.id).map(([, r]) => r);
      const held = {
        tokens: others.reduce((n, r) => n + r.tokens, 0),
        costUsd: others.reduce((n, r) => n + r.costUsd, 0),
      };
      const heldNote = (amount: number, unit: (n: number) => string) =>
        amount > 0 ? `, ${unit(amount)} reserved by running phases` : '';
      if (budget?.tokens !== undefined) {
        const reserve = own?.tokens !== undefined ? own.tokens - tokens(mine) : 0;
        const committed = tokens(usage) + held.tokens;
        if (committed >= budget.tokens || committed + reserve > budget.tokens) {
          return `run budget of ${budget.tokens} tokens: ${tokens(usage)} spent${heldNote(held.tokens, String)}${reserve ? `, and "${p.id}" may spend ${reserve} more` : ''}`;
        }
      }
      if (budget?.costUsd !== undefined) {
        const reserve = own?.costUsd !== undefined ? own.costUsd - mine.costUsd : 0;
        const committed = usage.costUsd + held.costUsd;
        if (committed >= budget.costUsd || committed + reserve > budget.costUsd) {
          return `run budget of $${budget.costUsd}: $${usage.costUsd.toFixed(4)} spent${heldNote(held.costUsd, (n) => `$${n.toFixed(4)}`)}${reserve ? `, and "${p.id}" may spend $${reserve.toFixed(4)} more` : ''}`;
        }
      }
      return undefined;
    },
    /** Holds what the phase may still spend while it runs (its own budget's remainder). */
    reserve(p: Phase, mine: Usage): void {
      const own = phaseBudgets.get(p.id);
      reserved.set(p.id, {
        tokens: own?.tokens !== undefined ? Math.max(0, own.tokens - tokens(mine)) : 0,
        costUsd: own?.costUsd !== undefined ? Math.max(0, own.costUsd - mine.costUsd) : 0,
      });
    },
    /**
     * What the phase may spend now: the run budget less what is spent and what other running phases
     * hold, and its own budget's remainder if smaller (a child pipeline's run budget).
     */
    remaining(p: Phase, mine: Usage): Budget | undefined {
      const own = phaseBudgets.get(p.id);
      const others = [...reserved.entries()].filter(([id]) => id !== p.id).map(([, r]) => r);
      const held = (key: 'tokens' | 'costUsd') => others.reduce((n, r) => n + r[key], 0);
      const least = (...values: (number | undefined)[]) => {
        const known = values.filter((v): v is number => v !== undefined);
        return known.length ? Math.max(0, Math.min(...known)) : undefined;
      };
      const left = {
        tokens: least(
          budget?.tokens === undefined ? undefined : budget.tokens - tokens(usage) - held('tokens'),
          own?.tokens === undefined ? undefined : own.tokens - tokens(mine),
        ),
        costUsd: least(
          budget?.costUsd === undefined ? undefined : budget.costUsd - usage.costUsd - held('costUsd'),
          own?.costUsd === undefined ? undefined : own.costUsd - mine.costUsd,
        ),
      };
      if (left.tokens === undefined && left.costUsd === undefined) return undefined;
      return {
        ...(left.tokens === undefined ? {} : { tokens: left.tokens }),
        ...(left.costUsd === undefined ? {} : { costUsd: left.costUsd }),
      };
    },
    release(id: string): void {
      reserved.delete(id);
    },
  };
}

export type BudgetLedger = ReturnType<typeof createBudgetLedger>;

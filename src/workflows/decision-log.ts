import { jsonBytes, LIMITS, nestsDeeperThan } from '../shared/limits';
import type { DecisionRecord, IgnoredSignal } from '../shared/status';

const MAX_IGNORED_SIGNALS = 50;
const MAX_IGNORED_PAYLOAD = 1000;

/**
 * The decisions a run keeps for `status`, and the signals it ignored, both bounded so a run's state
 * stays far below Temporal's message limit. History keeps every decision regardless.
 */
export function createDecisionLog() {
  const decisions: DecisionRecord[] = [];
  /** The JSON size of each kept decision, in step with `decisions`. */
  const decisionBytes: number[] = [];
  let dropped = 0;
  const ignored: IgnoredSignal[] = [];

  return {
    decisions,
    ignored,
    get dropped(): number {
      return dropped;
    },
    /** Keeps a decision, then drops the oldest past LIMITS.decisionsKept or LIMITS.decisionsKeptBytes. */
    record(decision: DecisionRecord): void {
      decisions.push(decision);
      decisionBytes.push(jsonBytes(decision));
      let total = decisionBytes.reduce((a, b) => a + b, 0);
      while (
        decisions.length > 1 &&
        (decisions.length > LIMITS.decisionsKept || total > LIMITS.decisionsKeptBytes)
      ) {
        decisions.shift();
        total -= decisionBytes.shift() as number;
        dropped += 1;
      }
    },
    ignore(payload: unknown, reason: string, at: string): void {
      // Bounded, so a misbehaving sender cannot grow the run's state (and history) without limit.
      // Depth first: JSON.stringify of a payload nested 100,000 levels deep overflows the stack.
      const deep = nestsDeeperThan(payload, LIMITS.nestingDepth);
      const text = deep ? '(nested too deep to keep)' : (JSON.stringify(payload) ?? String(payload));
      const kept =
        deep || text.length > MAX_IGNORED_PAYLOAD ? `${text.slice(0, MAX_IGNORED_PAYLOAD)}…` : payload;
      ignored.push({ at, payload: kept, reason });
      if (ignored.length > MAX_IGNORED_SIGNALS) ignored.shift();
    },
  };
}

/**
 * `baton approve --all`: approves every matching open gate across runs. Runs are found through
 * visibility (the `BatonPendingGates` search attribute), each run's `status` says what its gates show
 * now, and each approval goes through `decide` as the validated update WITH the gate id and the
 * digest read from that status: a gate that changed in between (a `modify` re-ran the phase) is
 * refused by the run ("stale digest …"), never approved blind.
 *
 * Only `approval` gates are batch-approved: budget, conflict, task-failed and verify gates ask a
 * human to weigh spending or merge work, so they are counted and left for one.
 */
import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../shared/duration';
import { escapeControlChars, LIMITS } from '../shared/limits';
import type { OpenGate } from '../shared/gate-kinds';
import { evaluatePolicy, policyProblem } from '../shared/policy';
import type { RunStatus } from '../shared/status';
import { BatonTemplate } from '../shared/search-attributes';
import type { Baton } from './connect';
import { decide } from './decide';
import { InvalidInputError } from './errors';
import { checkDecision } from './inputs';
import { queryStatus } from './status-query';

/** The variables a `--where` expression reads. */
export const WHERE_VARIABLES = ['run', 'gate', 'output'] as const;

/** Status queries to runs go out this many at a time, and each waits at most this long. */
const QUERY_BATCH = 8;
const QUERY_TIMEOUT_MS = 5_000;

/** Names that go into a visibility query as they are: no quotes or backslashes to escape. */
const QUERY_SAFE = /^[A-Za-z0-9._@+/: -]{1,200}$/;

export const BatchApproveInputSchema = z.object({
  /** Only runs started from this template (or definition name). */
  template: z.string().min(1).max(LIMITS.nameChars).optional(),
  /** Only gates of this phase. */
  phase: z
    .string()
    .min(1)
    .max(2 * LIMITS.phaseIdChars + 1)
    .optional(),
  /** Only gates open at least this long: a duration such as `1h` or milliseconds. */
  olderThan: z.union([z.string(), z.number()]).optional(),
  /** A CEL expression over `{ run, gate, output }`: only gates where it is true. */
  where: z.string().optional(),
  /** List what would be approved; send nothing. */
  dryRun: z.boolean().optional(),
  by: z.string(),
  comment: z.string().optional(),
  /** How the fields are named in messages (the CLI names its flags). */
  labels: z
    .object({ by: z.string(), comment: z.string(), where: z.string(), olderThan: z.string() })
    .optional(),
});
export type BatchApproveInput = z.input<typeof BatchApproveInputSchema>;

export const BATCH_OUTCOMES = ['approved', 'would-approve', 'refused', 'skipped'] as const;

export const BatchItemSchema = z.object({
  workflowId: z.string(),
  template: z.string().optional(),
  /** The gate id (`<phase>#<n>`); absent when the run did not answer (its gates are unknown). */
  gate: z.string().optional(),
  phase: z.string().optional(),
  kind: z.string().optional(),
  openedAt: z.string().optional(),
  /** The digest the approval was sent with. */
  digest: z.string().optional(),
  outcome: z.enum(BATCH_OUTCOMES),
  /** Why it was refused (by the run) or skipped (here). */
  reason: z.string().optional(),
  /** At a gate with `minApprovals` > 1: the approvals it has now, and how many it needs. */
  approvals: z.object({ count: z.number(), needed: z.number() }).optional(),
});
export type BatchItem = z.infer<typeof BatchItemSchema>;

export const BatchApproveResultSchema = z.object({
  /** True when nothing was sent: a dry run, or `confirm` said no. */
  dryRun: z.boolean(),
  items: z.array(BatchItemSchema),
  counts: z.record(z.enum(BATCH_OUTCOMES), z.number()),
  /** Open gates of other kinds (budget, conflict, …) that matched the other filters: for a human. */
  leftForHuman: z.record(z.string(), z.number()),
});
export type BatchApproveResult = z.infer<typeof BatchApproveResultSchema>;

const ApprovalsSchema = z.object({ approvals: z.object({ count: z.number(), needed: z.number() }) });

interface Candidate {
  workflowId: string;
  template?: string;
  status?: RunStatus;
  /** Why the run's status is unknown. */
  unanswered?: string;
}

type CheckedInput = z.infer<typeof BatchApproveInputSchema>;

/** The decision each gate gets (its phase, gate and digest are filled in per gate). */
const decisionOf = (input: CheckedInput) => ({
  phase: 'batch',
  action: 'approve' as const,
  by: input.by,
  ...(input.comment !== undefined ? { comment: input.comment } : {}),
});

const labelsOf = (input: CheckedInput) => input.labels && { ...input.labels, changes: 'changes' };

/**
 * Refuses bad filters and a bad `by` or `comment` before anything is listed or sent (no server
 * needed). Returns `olderThan` in milliseconds.
 */
export function checkBatchInput(input: CheckedInput): number | undefined {
  checkDecision(decisionOf(input), labelsOf(input));
  const label = { where: 'where', olderThan: 'olderThan', ...input.labels };
  for (const [name, value] of [
    ['template', input.template],
    ['phase', input.phase],
  ] as const) {
    if (value !== undefined && !QUERY_SAFE.test(value))
      throw new InvalidInputError(
        `${name} ${JSON.stringify(escapeControlChars(value))} cannot be searched for: use letters, digits and . _ @ + / : - only`,
      );
  }
  if (input.where !== undefined) {
    const problem = policyProblem(input.where, WHERE_VARIABLES);
    if (problem)
      throw new InvalidInputError(`${label.where} is not a valid CEL expression: ${problem.message}`, {
        hint: 'For example: gate.ageSeconds > 3600 && has(output.errors) && output.errors == 0. See docs/policy.md.',
      });
  }
  if (input.olderThan === undefined) return undefined;
  const ms = parseDuration(input.olderThan);
  if (ms === undefined)
    throw new InvalidInputError(
      `${label.olderThan} ${JSON.stringify(escapeControlChars(String(input.olderThan)))} is not a duration; ${DURATION_HINT}`,
    );
  return ms;
}

/** Running runs with open gates, from visibility; then each one's status, a few at a time. */
async function candidates(baton: Baton, template?: string, phase?: string): Promise<Candidate[]> {
  const filters = ['ExecutionStatus = "Running"', 'BatonPendingGates IS NOT NULL'];
  if (template) filters.push(`BatonTemplate = "${template}"`);
  // A task's gate is listed under its phase's id: filtering by phase here would hide it.
  if (phase && !phase.includes('.')) filters.push(`BatonPendingGates = "${phase}"`);
  const runs: Candidate[] = [];
  for await (const run of baton.client.workflow.list({ query: filters.join(' AND ') }))
    runs.push({ workflowId: run.workflowId, template: run.typedSearchAttributes.get(BatonTemplate) });
  const timeoutMs = Math.min(baton.queryTimeoutMs, QUERY_TIMEOUT_MS);
  for (let i = 0; i < runs.length; i += QUERY_BATCH) {
    await Promise.all(
      runs.slice(i, i + QUERY_BATCH).map(async (run) => {
        try {
          run.status = await queryStatus(baton, run.workflowId, timeoutMs);
        } catch (error) {
          run.unanswered = error instanceof Error ? error.message : String(error);
        }
      }),
    );
  }
  return runs;
}

/** What `--where` reads about one gate. */
function whereContext(run: Candidate, status: RunStatus, gate: OpenGate, nowMs: number) {
  const openedMs = Date.parse(gate.openedAt);
  return {
    run: { id: run.workflowId, template: run.template ?? status.template ?? '', name: status.name },
    gate: {
      id: gate.id,
      phase: gate.phase,
      kind: gate.kind,
      openedAt: gate.openedAt,
      ageSeconds: Number.isFinite(openedMs) ? Math.floor((nowMs - openedMs) / 1000) : 0,
    },
    output: gate.kind === 'approval' ? (gate.output ?? null) : null,
  };
}

export interface BatchOptions {
  /**
   * Told the gates about to be approved, after they were listed and before anything is sent (a front
   * door may ask the user); false sends nothing. Gates may change meanwhile: the run refuses those.
   */
  confirm?: (gates: readonly BatchItem[]) => Promise<boolean>;
}

/**
 * Finds the matching open gates and approves each (or, with `dryRun`, says it would). Never throws
 * for one gate: each outcome is an item. Throws before sending anything for a bad filter or `by`.
 */
export async function batchApprove(
  baton: Baton,
  raw: BatchApproveInput,
  options: BatchOptions = {},
): Promise<BatchApproveResult> {
  const input = BatchApproveInputSchema.parse(raw);
  const olderThanMs = checkBatchInput(input);
  const decision = decisionOf(input);

  const nowMs = Date.now();
  const items: BatchItem[] = [];
  const leftForHuman: Record<string, number> = {};
  const selected: Array<{ run: Candidate; gate: OpenGate }> = [];
  for (const run of await candidates(baton, input.template, input.phase)) {
    const base = { workflowId: run.workflowId, ...(run.template ? { template: run.template } : {}) };
    if (!run.status) {
      items.push({
        ...base,
        outcome: 'skipped',
        reason: `its gates are unknown: ${run.unanswered ?? 'no answer'}`,
      });
      continue;
    }
    for (const gate of run.status.gates) {
      if (input.phase !== undefined && gate.phase !== input.phase) continue;
      if (olderThanMs !== undefined && !(nowMs - Date.parse(gate.openedAt) >= olderThanMs)) continue;
      if (gate.kind !== 'approval') {
        leftForHuman[gate.kind] = (leftForHuman[gate.kind] ?? 0) + 1;
        continue;
      }
      const item = { ...base, gate: gate.id, phase: gate.phase, kind: gate.kind, openedAt: gate.openedAt };
      if (input.where !== undefined) {
        const outcome = evaluatePolicy(input.where, whereContext(run, run.status, gate, nowMs));
        if (!outcome.ok) {
          items.push({
            ...item,
            outcome: 'skipped',
            reason: `the where expression could not decide: ${outcome.error}`,
          });
          continue;
        }
        if (!outcome.value) continue;
      }
      selected.push({ run, gate });
    }
  }

  const planned = selected.map(({ run, gate }): BatchItem => ({
    workflowId: run.workflowId,
    ...(run.template ? { template: run.template } : {}),
    gate: gate.id,
    phase: gate.phase,
    kind: gate.kind,
    openedAt: gate.openedAt,
    ...(gate.digest ? { digest: gate.digest } : {}),
    outcome: 'would-approve',
  }));
  const send = !input.dryRun && (!options.confirm || (await options.confirm(planned)));
  // One at a time: each is an update the run validates, and a refusal must name its own gate.
  for (const [i, { run, gate }] of selected.entries()) {
    const item = planned[i] as BatchItem;
    if (send) {
      item.outcome = 'approved';
      try {
        const result = await decide(
          baton,
          run.workflowId,
          { ...decision, phase: gate.phase, gate: gate.id, ...(gate.digest ? { digest: gate.digest } : {}) },
          { via: 'update', ...(input.labels ? { labels: labelsOf(input) } : {}) },
        );
        const counted = ApprovalsSchema.safeParse(result);
        if (counted.success) item.approvals = counted.data.approvals;
      } catch (error) {
        // Any failure is this gate's: the others still go, and the result says what each did.
        item.outcome = 'refused';
        const message = error instanceof Error ? error.message : String(error);
        item.reason = escapeControlChars(message.replace(/^Decision refused by run "[^"]*": /, ''));
      }
    }
    items.push(item);
  }
  const counts = Object.fromEntries(
    BATCH_OUTCOMES.map((outcome) => [outcome, items.filter((i) => i.outcome === outcome).length]),
  ) as Record<(typeof BATCH_OUTCOMES)[number], number>;
  return { dryRun: !send, items, counts, leftForHuman };
}

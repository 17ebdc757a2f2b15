/**
 * Notifications (issue 11): the events a run sends to the sinks in the worker's config, and the
 * filter that decides which sink wants which event. The run decides, from the filters it loaded at
 * its start, whether an event goes out at all (so a worker with no sinks adds nothing to history);
 * the `deliverNotification` activity then sends it to every sink that wants it.
 */
import { z } from 'zod';

/** Every event a run sends, dotted. Exactly one event per occurrence (a budget gate is `budget.gate`, not also `gate.opened`). */
export const NOTIFICATION_EVENTS = [
  'gate.opened',
  'gate.reminder',
  'gate.escalated',
  'run.completed',
  'run.failed',
  'budget.gate',
  'conflict.human',
] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

export const SINK_KINDS = ['webhook', 'slack', 'command'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/** What a sink subscribes to; an absent list means every one. */
export interface NotificationFilter {
  events?: NotificationEventName[];
  templates?: string[];
  runs?: string[];
}

/** True when a sink with this filter wants the event of this run. */
export function sinkWants(
  filter: NotificationFilter,
  event: NotificationEventName,
  template: string,
  workflowId: string,
): boolean {
  if (filter.events && !filter.events.includes(event)) return false;
  if (filter.templates && !filter.templates.includes(template)) return false;
  if (filter.runs && !filter.runs.includes(workflowId)) return false;
  return true;
}

/**
 * The id a receiver dedupes on: the same for every delivery attempt of one event (retries and a
 * worker crash mid-delivery resend it), different for every event of every run.
 */
export function notificationEventId(
  workflowId: string,
  runId: string,
  event: NotificationEventName,
  key: string,
): string {
  return `${workflowId}/${runId}/${event}/${key}`;
}

export const NotificationGateSchema = z.object({
  id: z.string(),
  phase: z.string(),
  kind: z.string(),
  title: z.string(),
  openedAt: z.string(),
  deadline: z.string().optional(),
  /** Who may decide, resolved to user names, at a gate that names approvers. */
  approvers: z.array(z.string()).optional(),
  digest: z.string().optional(),
  instructions: z.string().optional(),
  /** A short plain-text account of what the gate shows (the phase's output, the budget, the conflicts). */
  context: z.string().optional(),
});
export type NotificationGate = z.infer<typeof NotificationGateSchema>;

/** The JSON body every sink gets (Slack's and a command's are built from it). */
export const NotificationEventSchema = z.object({
  event: z.enum(NOTIFICATION_EVENTS),
  eventId: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  at: z.string(),
  template: z.string(),
  /** One line for a person: what happened and what to do. */
  message: z.string(),
  gate: NotificationGateSchema.optional(),
  /** `gate.reminder`: which reminder this is (1, 2, …). */
  reminder: z.number().int().positive().optional(),
  /** `gate.reminder` / `gate.escalated`: the people told. */
  to: z.array(z.string()).optional(),
  /** `run.completed` / `run.failed`: how the run ended (`run.failed` covers failed, rejected and cancelled). */
  run: z
    .object({
      state: z.string(),
      reason: z.string().optional(),
      startedAt: z.string(),
      endedAt: z.string().optional(),
      progress: z.object({ done: z.number(), total: z.number(), percent: z.number() }),
      usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }).optional(),
    })
    .optional(),
});
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

/** A delivery that failed after all its retries: the run goes on, `status` keeps the last few. */
export interface NotificationFailure {
  event: NotificationEventName;
  eventId: string;
  at: string;
  error: string;
}

/**
 * The run's notification events (issue 11): a gate opening, its reminders and escalation, the
 * run's end. Each event some sink wants (the filters came with the run's settings) goes out as
 * one `deliverNotification` activity, in the background: Temporal retries it with backoff for a
 * bounded time, and the run does not wait for it, except at its very end (an activity cannot
 * outlive its run). A delivery that fails for good is kept in `status.notificationFailures`; its
 * failure is in history as the activity's.
 */
import { ActivityFailure, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GateKind } from '../shared/gate-kinds';
import type { GovernanceSettings } from '../shared/governance';
import {
  notificationEventId,
  sinkWants,
  type NotificationEvent,
  type NotificationEventName,
  type NotificationFailure,
  type NotificationGate,
} from '../shared/notifications';
import type { OpenGate, RunStatus } from '../shared/status';
import { notificationFailed } from './metrics';

/** Runs started before this send no notifications (their reminders use the `notifyGate` local activity). */
export const NOTIFICATIONS = 'notifications';

/** How long one event's deliveries may take, retries included, unless the worker says otherwise. */
export const DEFAULT_NOTIFY_WITHIN_MS = 5 * 60_000;
/**
 * How long a run that has ended waits for deliveries still retrying (a sink that is down). Past it
 * the run closes and records them as failures: a sink must not hold a result back for minutes.
 */
export const END_GRACE_MS = 60_000;
/** `status.notificationFailures` keeps the latest few. */
const FAILURES_KEPT = 10;

/** The event a gate of this kind sends when it opens: exactly one per gate. */
const OPENED_EVENT: Record<GateKind, NotificationEventName> = {
  approval: 'gate.opened',
  budget: 'budget.gate',
  conflict: 'conflict.human',
  'task-failed': 'gate.opened',
  verify: 'gate.opened',
  failure: 'gate.opened',
  loop: 'gate.opened',
};

export type Notifier = ReturnType<typeof createNotifier>;

/**
 * The run's notifier. `template` is the run's template (or definition name); `failures` receives
 * each delivery that failed for good.
 */
export function createNotifier(
  settings: GovernanceSettings,
  template: string,
  now: () => string,
  onFailure: (failure: NotificationFailure) => void,
) {
  const filters = settings.notifications ?? [];
  const { workflowId, runId } = workflowInfo();
  const within = settings.notifyWithinMs ?? DEFAULT_NOTIFY_WITHIN_MS;
  const { deliverNotification } = proxyActivities<Activities>({
    startToCloseTimeout: Math.min(within, 60_000),
    scheduleToCloseTimeout: within,
    // The attempt heartbeats which sinks took the event; a worker that died is noticed in seconds.
    heartbeatTimeout: '10s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  });
  /** Deliveries in flight, by event id: what the run's end records if it cannot wait for them. */
  const pending = new Map<string, NotificationEventName>();

  function send(
    event: NotificationEventName,
    key: string,
    fields: Omit<NotificationEvent, 'event' | 'eventId' | 'workflowId' | 'runId' | 'at' | 'template'>,
  ): void {
    if (!filters.some((filter) => sinkWants(filter, event, template, workflowId))) return;
    const notification: NotificationEvent = {
      event,
      eventId: notificationEventId(workflowId, runId, event, key),
      workflowId,
      runId,
      at: now(),
      template,
      ...fields,
    };
    pending.set(notification.eventId, event);
    // Not cancelled with the run: a cancelled run still says that it ended.
    void CancellationScope.nonCancellable(() => deliverNotification({ notification }))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!pending.has(notification.eventId)) return;
          onFailure({ event, eventId: notification.eventId, at: now(), error: failureMessage(error) });
          notificationFailed(template, event);
        },
      )
      .finally(() => {
        pending.delete(notification.eventId);
      });
  }

  return {
    gateOpened(gate: OpenGate): void {
      const event = OPENED_EVENT[gate.kind];
      send(event, gate.id, {
        message: `${gate.title} (${gate.id}) of run ${workflowId} waits for a decision${gate.deadline ? ` until ${gate.deadline}` : ''}`,
        gate: gateOf(gate),
        ...(gate.approverNames ? { to: gate.approverNames } : {}),
      });
    },
    reminder(gate: OpenGate, n: number, to: string[]): void {
      send('gate.reminder', `${gate.id}/${n}`, {
        message: `Reminder ${n}: ${gate.title} (${gate.id}) of run ${workflowId} has waited for a decision since ${gate.openedAt}`,
        gate: gateOf(gate),
        reminder: n,
        to,
      });
    },
    escalated(gate: OpenGate, to: string[]): void {
      send('gate.escalated', gate.id, {
        message: `Escalated: ${gate.title} (${gate.id}) of run ${workflowId} has waited since ${gate.openedAt}; ${to.join(', ') || 'the wider set'} may decide it now`,
        gate: gateOf(gate),
        to,
      });
    },
    runEnded(status: RunStatus): void {
      const completed = status.state === 'completed';
      send(completed ? 'run.completed' : 'run.failed', 'end', {
        message: completed
          ? `Run ${workflowId} (${template}) completed`
          : `Run ${workflowId} (${template}) ${status.state}${status.reason ? `: ${status.reason}` : ''}`,
        run: {
          state: status.state,
          ...(status.reason ? { reason: status.reason } : {}),
          startedAt: status.startedAt,
          ...(status.endedAt ? { endedAt: status.endedAt } : {}),
          progress: status.progress,
          usage: {
            inputTokens: status.usage.inputTokens,
            outputTokens: status.usage.outputTokens,
            costUsd: status.usage.costUsd,
          },
        },
      });
    },
    /** True once no delivery is in flight. */
    settled: (): boolean => pending.size === 0,
    /** The run closes without the deliveries still retrying: each becomes a failure in its status. */
    abandon(): void {
      for (const [eventId, event] of pending) {
        onFailure({
          event,
          eventId,
          at: now(),
          error: `still failing ${END_GRACE_MS / 1000}s after the run ended; the run closed without it (see the deliverNotification activity in its history)`,
        });
        notificationFailed(template, event);
      }
      pending.clear();
    },
  };
}

/** What a notification carries of the gate: who, what and until when; a short account of what it shows. */
function gateOf(gate: OpenGate): NotificationGate {
  return {
    id: gate.id,
    phase: gate.phase,
    kind: gate.kind,
    title: gate.title,
    openedAt: gate.openedAt,
    ...(gate.deadline ? { deadline: gate.deadline } : {}),
    ...(gate.approverNames ? { approvers: gate.approverNames } : {}),
    ...(gate.digest ? { digest: gate.digest } : {}),
    ...(gate.instructions ? { instructions: gate.instructions } : {}),
    context: contextOf(gate),
  };
}

const CONTEXT_CHARS = 500;

function contextOf(gate: OpenGate): string {
  const shown = gate as OpenGate & { reason?: string; output?: unknown; error?: { message: string } };
  const parts: string[] = [];
  if (shown.reason) parts.push(shown.reason);
  if (shown.error?.message) parts.push(`error: ${shown.error.message}`);
  if (parts.length === 0 && shown.output !== undefined) {
    parts.push(`output: ${typeof shown.output === 'string' ? shown.output : JSON.stringify(shown.output)}`);
  }
  const text = parts.join('; ');
  return text.length > CONTEXT_CHARS ? `${text.slice(0, CONTEXT_CHARS - 1)}…` : text;
}

/** The activity's failure and what caused it: "activity ScheduleToClose timeout: webhook … answered HTTP 500". */
function failureMessage(error: unknown): string {
  const messages: string[] = [];
  let at: unknown = error instanceof ActivityFailure && error.cause ? error.cause : error;
  while (at instanceof Error && messages.length < 3) {
    if (at.message) messages.push(at.message);
    at = at.cause;
  }
  return messages.join(': ') || String(error);
}

export { FAILURES_KEPT };

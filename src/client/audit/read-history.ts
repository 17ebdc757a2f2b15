/**
 * A run's history → audit entries. Reads the events Temporal records anyway (activities, signals,
 * updates, timers, child workflows, the run's start and end) and the run's own audit records (the
 * markers of the local activity `recordAudit`). Every payload is decoded through the client's
 * loaded data converter, so a history encrypted by a payload codec reads the same as a plain one.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { BatonPendingGates } from '../../shared/search-attributes';
import {
  at,
  decode,
  failureMessage,
  object,
  text,
  type FetchHistory,
  type Handler,
  type HistoryEvent,
  type Reader,
} from './reader';
import { entriesOfRecords, isAuditMarker } from './records';
import { RUN_EVENTS } from './run-events';
import type { AuditEntry } from './schema';

export type { FetchHistory };

/** The fields every attempt entry of one runAgent activity shares. */
function attemptOf(reader: Reader, scheduledId: unknown) {
  const info = reader.scheduled.get(String(scheduledId));
  if (!info) return undefined;
  const { phase, agent, phaseRun, attempt } = info;
  const task = reader.task;
  return {
    at: '',
    run: reader.run,
    phase: task?.phase ?? phase,
    ...(task ? { task: task.task, workflow: task.workflow } : {}),
    ...(agent ? { agent } : {}),
    ...(phaseRun !== undefined ? { phaseRun } : {}),
    ...(attempt !== undefined ? { attempt } : {}),
  };
}

/** One handler per event attribute that matters to the audit: adding one is one entry. */
const HANDLERS: Partial<Record<keyof HistoryEvent, Handler>> = {
  ...RUN_EVENTS,

  async activityTaskScheduledEventAttributes(reader, event) {
    const attrs = event.activityTaskScheduledEventAttributes!;
    if (attrs.activityType?.name !== 'runAgent') return;
    const input = object(await decode(reader, attrs.input?.payloads));
    const phaseRun = typeof input.run === 'number' ? input.run : undefined;
    reader.scheduled.set(String(event.eventId), {
      phase: text(input.phase) ?? '?',
      ...(text(input.agent) ? { agent: text(input.agent) } : {}),
      ...(phaseRun !== undefined ? { phaseRun } : {}),
    });
    const base = attemptOf(reader, event.eventId)!;
    reader.observed.push({ ...base, type: 'phase-started', at: at(event) });
  },
  async activityTaskStartedEventAttributes(reader, event) {
    const attrs = event.activityTaskStartedEventAttributes!;
    const info = reader.scheduled.get(String(attrs.scheduledEventId));
    if (!info) return;
    info.attempt = attrs.attempt ?? 1;
    // Temporal writes one started event, for the attempt that ran last: earlier ones show as its lastFailure.
    if (info.attempt > 1) {
      const reason = await failureMessage(reader, attrs.lastFailure);
      const base = attemptOf(reader, attrs.scheduledEventId)!;
      reader.observed.push({ ...base, type: 'phase-retry', at: at(event), reason });
    }
  },
  async activityTaskCompletedEventAttributes(reader, event) {
    const base = attemptOf(reader, event.activityTaskCompletedEventAttributes?.scheduledEventId);
    if (base) reader.observed.push({ ...base, type: 'phase-ended', at: at(event) });
  },
  async activityTaskFailedEventAttributes(reader, event) {
    const attrs = event.activityTaskFailedEventAttributes;
    const base = attemptOf(reader, attrs?.scheduledEventId);
    if (!base) return;
    const reason = await failureMessage(reader, attrs?.failure);
    reader.observed.push({ ...base, type: 'phase-failed', at: at(event), how: 'failed', reason });
  },
  async activityTaskTimedOutEventAttributes(reader, event) {
    const attrs = event.activityTaskTimedOutEventAttributes;
    const base = attemptOf(reader, attrs?.scheduledEventId);
    if (!base) return;
    const reason = await failureMessage(reader, attrs?.failure);
    reader.observed.push({ ...base, type: 'phase-failed', at: at(event), how: 'timed-out', reason });
  },
  async activityTaskCanceledEventAttributes(reader, event) {
    const base = attemptOf(reader, event.activityTaskCanceledEventAttributes?.scheduledEventId);
    if (base)
      reader.observed.push({
        ...base,
        type: 'phase-failed',
        at: at(event),
        how: 'cancelled',
        reason: 'cancelled',
      });
  },

  async childWorkflowExecutionStartedEventAttributes(reader, event) {
    const attrs = event.childWorkflowExecutionStartedEventAttributes!;
    const { workflowId, runId } = attrs.workflowExecution ?? {};
    if (attrs.workflowType?.name !== 'task' || !workflowId || !runId) return;
    const history = await reader.fetch(workflowId, runId);
    const child = await readEvents(history.events ?? [], {
      run: reader.run,
      converter: reader.converter,
      fetch: reader.fetch,
      task: { phase: '?', task: '?', workflow: workflowId },
    });
    reader.children.push(...child.entries);
  },

  async markerRecordedEventAttributes(reader, event) {
    const attrs = event.markerRecordedEventAttributes!;
    const details = attrs.details ?? {};
    if (!(await isAuditMarker(reader.converter, attrs.markerName, details.data?.payloads))) return;
    reader.hadRecords = true;
    const records = await decode<unknown>(reader, details.result?.payloads);
    const { entries, unreadable } = entriesOfRecords(reader.run, records);
    reader.recorded.push(...entries);
    reader.unreadable += unreadable;
  },

  async workflowExecutionSignaledEventAttributes(reader, event) {
    const attrs = event.workflowExecutionSignaledEventAttributes!;
    if (attrs.signalName !== 'approval') return;
    const decision = object(await decode(reader, attrs.input?.payloads));
    reader.observed.push({ ...received(reader, decision), at: at(event), via: 'signal', applied: 'unknown' });
  },
  async workflowExecutionUpdateAcceptedEventAttributes(reader, event) {
    const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (request?.input?.name !== 'decide') return;
    const decision = object(await decode(reader, request.input.args?.payloads));
    const entry = {
      ...received(reader, decision),
      at: at(event),
      via: 'update' as const,
      applied: 'unknown' as const,
    };
    reader.observed.push(entry);
    if (request.meta?.updateId) reader.updates.set(request.meta.updateId, entry);
  },
  async workflowExecutionUpdateCompletedEventAttributes(reader, event) {
    const attrs = event.workflowExecutionUpdateCompletedEventAttributes!;
    const entry = reader.updates.get(attrs.meta?.updateId ?? '');
    if (!entry) return;
    if (attrs.outcome?.failure) {
      entry.applied = false;
      entry.reason = await failureMessage(reader, attrs.outcome.failure);
    } else entry.applied = object(await decode(reader, attrs.outcome?.success?.payloads)).accepted === true;
  },

  async upsertWorkflowSearchAttributesEventAttributes(reader, event) {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    const payload = fields[BatonPendingGates.name];
    if (!payload) return;
    // Search attributes are never encoded by codecs: the server must read them.
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    const now = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    for (const phase of now.filter((p) => !reader.pendingGates.includes(p)))
      reader.observed.push({ type: 'gate-opened', at: at(event), run: reader.run, phase });
    reader.pendingGates = now;
  },
  async timerFiredEventAttributes(reader, event) {
    // In a pipeline run only a gate's timeout starts a timer; which gate is known when one was open.
    const phase = reader.pendingGates.length === 1 ? reader.pendingGates[0] : undefined;
    reader.observed.push({ type: 'timeout', at: at(event), run: reader.run, ...(phase ? { phase } : {}) });
  },
};

/** A received decision's fields, as the sender wrote them (names only where they are strings). */
function received(reader: Reader, decision: Record<string, unknown>) {
  const fields = ['phase', 'gate', 'by', 'action', 'comment', 'digest'] as const;
  return {
    type: 'decision-received' as const,
    run: reader.run,
    signature: 'unknown' as const,
    ...Object.fromEntries(fields.filter((f) => text(decision[f]) !== undefined).map((f) => [f, decision[f]])),
  };
}

export interface HistoryAudit {
  entries: AuditEntry[];
  /** True when the run wrote its own audit records (so its decisions are those records). */
  recorded: boolean;
  /** Audit records this client could not read (written by a newer Baton?). */
  unreadable: number;
  runId?: string;
  template?: string;
}

/** Reads one history's events into audit entries, children's included, in history order. */
export async function readEvents(
  events: HistoryEvent[],
  options: Pick<Reader, 'run' | 'converter' | 'fetch' | 'task'>,
): Promise<HistoryAudit> {
  const reader: Reader = {
    ...options,
    scheduled: new Map(),
    updates: new Map(),
    pendingGates: [],
    recorded: [],
    observed: [],
    children: [],
    hadRecords: false,
    unreadable: 0,
  };
  for (const event of events) {
    const key = (Object.keys(HANDLERS) as (keyof HistoryEvent)[]).find((k) => event[k] != null);
    if (key) await HANDLERS[key]!(reader, event);
  }
  // The run's records say what it did with each decision; raw signals and timers only guess at it.
  const guesses = new Set(['decision-received', 'gate-opened', 'timeout']);
  const observed = reader.hadRecords ? reader.observed.filter((e) => !guesses.has(e.type)) : reader.observed;
  // Each list is in history order; merged by time (a stable sort keeps that order on ties).
  const entries = [...observed, ...reader.recorded, ...reader.children].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
  );
  return {
    entries,
    recorded: reader.hadRecords,
    unreadable: reader.unreadable,
    ...(reader.started?.runId ? { runId: reader.started.runId } : {}),
    ...(reader.started?.template ? { template: reader.started.template } : {}),
  };
}

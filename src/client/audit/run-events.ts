/** The run's start and end, as audit entries (a `task` child's own start only names its task). */
import { at, decode, failureMessage, object, text, type Handler, type HistoryEvent } from './reader';

export const RUN_EVENTS: Partial<Record<keyof HistoryEvent, Handler>> = {
  async workflowExecutionStartedEventAttributes(reader, event) {
    const attrs = event.workflowExecutionStartedEventAttributes!;
    const input = object(await decode(reader, attrs.input?.payloads));
    if (attrs.workflowType?.name === 'task') {
      const workflow = reader.task?.workflow ?? '';
      reader.task = { phase: text(input.phase) ?? '?', task: text(input.task) ?? '?', workflow };
      return;
    }
    const template = text(input.template);
    reader.started = { runId: attrs.originalExecutionRunId ?? '', ...(template ? { template } : {}) };
    const name = text(object(input.definition).name);
    reader.observed.push({
      type: 'run-started',
      at: at(event),
      run: reader.run,
      ...(attrs.identity ? { by: attrs.identity } : {}),
      ...(template ? { template } : {}),
      ...(name ? { definition: name } : {}),
      params: Object.keys(object(input.params)),
      ...(text(input.approvalMode) ? { approvalMode: text(input.approvalMode) } : {}),
    });
  },
  async workflowExecutionCompletedEventAttributes(reader, event) {
    if (reader.task) return;
    const summary = object(
      await decode(reader, event.workflowExecutionCompletedEventAttributes?.result?.payloads),
    );
    const reason = text(summary.reason);
    const outcome = summary.state === 'rejected' ? 'rejected' : 'completed';
    reader.observed.push({
      type: 'run-ended',
      at: at(event),
      run: reader.run,
      outcome,
      ...(reason ? { reason } : {}),
    });
  },
  async workflowExecutionFailedEventAttributes(reader, event) {
    if (reader.task) return;
    const reason = await failureMessage(reader, event.workflowExecutionFailedEventAttributes?.failure);
    reader.observed.push({ type: 'run-ended', at: at(event), run: reader.run, outcome: 'failed', reason });
  },
  async workflowExecutionCanceledEventAttributes(reader, event) {
    if (!reader.task)
      reader.observed.push({ type: 'run-ended', at: at(event), run: reader.run, outcome: 'cancelled' });
  },
  async workflowExecutionTerminatedEventAttributes(reader, event) {
    if (reader.task) return;
    const attrs = event.workflowExecutionTerminatedEventAttributes;
    const reason = [attrs?.reason, attrs?.identity && `by ${attrs.identity}`].filter(Boolean).join(' ');
    reader.observed.push({
      type: 'run-ended',
      at: at(event),
      run: reader.run,
      outcome: 'terminated',
      ...(reason ? { reason } : {}),
    });
  },
  async workflowExecutionTimedOutEventAttributes(reader, event) {
    if (!reader.task)
      reader.observed.push({ type: 'run-ended', at: at(event), run: reader.run, outcome: 'timed-out' });
  },
  async workflowExecutionContinuedAsNewEventAttributes(reader, event) {
    if (reader.task) return;
    const next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    reader.observed.push({
      type: 'run-ended',
      at: at(event),
      run: reader.run,
      outcome: 'continued-as-new',
      ...(next ? { reason: `continued as run ${next}` } : {}),
    });
  },
};

/**
 * History event types by number (temporal.api.enums.v1.EventType), for the few the tests look for,
 * without depending on @temporalio/proto directly. `fetchHistory` gives numbers, not names: a test
 * that matched `String(eventType)` against a name could never fail.
 */
const EVENT_TYPES = {
  2: 'WORKFLOW_EXECUTION_COMPLETED',
  3: 'WORKFLOW_EXECUTION_FAILED',
  9: 'WORKFLOW_TASK_FAILED',
  10: 'ACTIVITY_TASK_SCHEDULED',
  25: 'MARKER_RECORDED',
} as const satisfies Record<number, string>;

/** `WORKFLOW_TASK_FAILED` for 9; other types as `EVENT_<n>`. */
export const eventTypeName = (type: number | null | undefined): string =>
  (EVENT_TYPES as Record<number, string>)[type ?? 0] ?? `EVENT_${type ?? 0}`;

import { ApplicationFailure, type LogLevel, type LogMetadata, type Logger } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { redact } from '../config';
import type { AgentFailureDetails } from '../activities/failures';
import { escapeControlChars } from '../shared/limits';

const MAX_MESSAGE_CHARS = 500;

/** The first line of the error's message, redacted, after its type when it has one. */
function describe(error: Error): string {
  // A workflow's error reaches the logger from a worker thread as a plain Error, its type lost.
  const type = error instanceof ApplicationFailure ? error.type : undefined;
  const name = type || (error.constructor === Error && error.name === 'Error' ? undefined : error.name);
  const lines = redact(error.message).split('\n');
  let text = escapeControlChars(lines[0] ?? '');
  if (text.length > MAX_MESSAGE_CHARS) text = `${text.slice(0, MAX_MESSAGE_CHARS)}…`;
  const more = lines.length > 1 ? ` (${lines.length - 1} more lines in \`baton status\`)` : '';
  return `${name ? `${name}: ` : ''}${text}${more}`;
}

const idOf = (meta: LogMetadata) => escapeControlChars(String(meta.workflowId ?? 'an unknown run'));

/** The SDK's log entries that carry an error and its stack, each with its one-line form. */
const FAILURE_LINES: Record<string, (error: Error, meta: LogMetadata) => string> = {
  'Activity failed': (error, meta) => {
    const details = error instanceof ApplicationFailure ? error.details?.[0] : undefined;
    const phase = (details as Partial<AgentFailureDetails> | undefined)?.phase;
    const what = phase ? `phase "${phase}"` : `activity "${String(meta.activityType ?? 'unknown')}"`;
    return `${what} of ${idOf(meta)} failed (attempt ${String(meta.attempt ?? '?')}): ${describe(error)}`;
  },
  'Workflow failed': (error, meta) => `run ${idOf(meta)} failed: ${describe(error)}`,
};

/**
 * One line for the SDK's entry of a failed phase attempt,
 * `phase "<p>" of <workflowId> failed (attempt n): <type>: <message>`, or of a failed run; undefined
 * for any other entry. The message is its first line, redacted: the full failure is in the run's
 * history (`baton status`), and the stack at DEBUG.
 */
export function failureLine(message: string, meta: LogMetadata | undefined): string | undefined {
  const format = FAILURE_LINES[message];
  const error = meta?.error;
  return format && meta && error instanceof Error ? format(error, meta) : undefined;
}

/**
 * The worker's logger: the SDK's entry for a failed attempt (or run) becomes one line at its level
 * (WARN), and the entry with the stack goes to DEBUG; everything else passes through unchanged.
 */
export function createWorkerLogger(inner: Logger): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const line = failureLine(message, meta);
    if (line === undefined) return inner.log(level, message, meta);
    inner.log(level, line);
    inner.log('DEBUG', message, meta);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** The level from `BATON_LOG_LEVEL` (default WARN). */
export function logLevel(env: Record<string, string | undefined> = process.env): LogLevel {
  const level = env.BATON_LOG_LEVEL?.trim().toUpperCase();
  return level === 'TRACE' || level === 'DEBUG' || level === 'INFO' || level === 'ERROR' ? level : 'WARN';
}

/** The logger a Baton worker process installs in its Temporal runtime. */
export function defaultWorkerLogger(level: LogLevel = logLevel()): Logger {
  return createWorkerLogger(new DefaultLogger(level));
}

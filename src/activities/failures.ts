/**
 * The one failure classifier of the activities. Agents throw what they like; what leaves an
 * activity is an `ApplicationFailure` built here, with its type and retryability from the
 * `AGENT_FAILURES` table and the provider's `nextRetryDelay` when it gave one.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { z } from 'zod';
import { ConfigError, redact } from '../config';
import { AGENT_FAILURES, type AgentFailureKind } from '../shared/failure-types';

export interface FailureOptions {
  /** The provider's wait hint (retry-after); Temporal waits this long before the next attempt. */
  nextRetryDelay?: number | undefined;
  details?: unknown[];
  cause?: Error | undefined;
}

/** The failure of one kind, typed and retryable (or not) as the table says. */
export function agentFailure(
  kind: AgentFailureKind,
  message: string,
  options: FailureOptions = {},
): ApplicationFailure {
  const { type, retryable } = AGENT_FAILURES[kind];
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: !retryable,
    ...(options.nextRetryDelay !== undefined && { nextRetryDelay: options.nextRetryDelay }),
    ...(options.details && { details: options.details }),
    ...(options.cause && { cause: options.cause }),
  });
}

/** A permanent problem with an agent's input: never retried; the message names the value and the fix. */
export function badInput(message: string): ApplicationFailure {
  return agentFailure('BadInput', message);
}

/**
 * What a cancelled agent rethrows: the abort's own reason (Temporal's CancelledFailure), so the
 * activity ends as cancelled rather than failed.
 */
export function cancellation(signal: AbortSignal, fallback: unknown = new Error('cancelled')): unknown {
  return signal.reason ?? fallback;
}

/** A zod error as one line: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Details attached to an agent's failure so the workflow can count attempts. */
export interface AgentFailureDetails {
  attempt: number;
  agent: string;
  /** The phase, so the worker's log line can name it. */
  phase?: string;
}

/**
 * What an activity rethrows for an error an agent raised: its type kept (or `Agent.Error`), the
 * attempt attached, API keys redacted from the message (it goes into history). A cancellation
 * stays a cancellation, and a bad configuration is `Agent.NotConfigured`, never retried.
 */
export function toAgentFailure(error: unknown, details: AgentFailureDetails): Error {
  if (error instanceof CancelledFailure) return error;
  if (error instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: redact(error.message),
      type: error.type ?? AGENT_FAILURES.Error.type,
      nonRetryable: error.nonRetryable ?? false,
      nextRetryDelay: error.nextRetryDelay,
      details: [details],
      cause: error.cause,
    });
  }
  const message = redact(error instanceof Error ? error.message : String(error));
  return agentFailure(error instanceof ConfigError ? 'NotConfigured' : 'Error', message, {
    details: [details],
  });
}

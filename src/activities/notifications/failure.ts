/**
 * How a sink's failure leaves the activity. Temporal retries a retryable one with backoff; a sink
 * that refuses the event for good (a 4xx other than 408/429, a program that is not there, an unset
 * secret) is not retried, since sending it again would only be refused again.
 */
import { ApplicationFailure } from '@temporalio/common';

/** The failure types a delivery ends with, one table. */
export const NOTIFICATION_FAILURES = {
  /** A sink is down or slow (network error, timeout, 408, 429, 5xx, a command that failed). */
  down: 'Notification.SinkDown',
  /** A sink refuses the event for good, or cannot be used as configured. */
  refused: 'Notification.SinkRefused',
} as const;

/** One sink's failure: its label (kind and host or program, never a URL path or secret) and why. */
export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    readonly sink: string,
    readonly reason: string,
    readonly retryable: boolean,
    /** How long the sink asked us to wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(`${sink}: ${reason}`);
  }
}

/** The activity's failure for the sinks that did not take the event this attempt. */
export function deliveryFailure(
  errors: readonly SinkError[],
  delivered: readonly string[],
): ApplicationFailure {
  const retryable = errors.some((e) => e.retryable);
  const waits = errors.filter((e) => e.retryable && e.retryAfterMs !== undefined).map((e) => e.retryAfterMs!);
  const took = delivered.length ? `; delivered to ${delivered.join(', ')}` : '';
  return ApplicationFailure.create({
    message: `notification not delivered to ${errors.map((e) => e.message).join('; ')}${took}`,
    type: retryable ? NOTIFICATION_FAILURES.down : NOTIFICATION_FAILURES.refused,
    nonRetryable: !retryable,
    ...(waits.length && { nextRetryDelay: Math.max(...waits) }),
  });
}

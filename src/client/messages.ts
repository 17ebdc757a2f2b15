import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { escapeControlChars } from '../shared/limits';
import { messageSignal } from '../shared/messages';
import { messagingProblems, RunMessageSchema, type RunMessage } from '../shared/validate-messaging';
import type { Baton } from './connect';
import { BatonError, InvalidInputError } from './errors';
import { handleOf, refuseEnded } from './run-info';

export interface SendOptions {
  /** The receiving run's workflow id. */
  run: string;
  channel: string;
  /** The payload: a JSON value, or its text (`baton send` passes the text). */
  payload?: unknown;
  json?: string;
  /** The message id; the same id sent twice is delivered once. Default: a random `send-<uuid>`. */
  id?: string;
}

export interface SendResult {
  id: string;
  run: string;
  channel: string;
}

/** The JSON text of a payload, parsed; a clear error naming the argument when it is not JSON. */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InvalidInputError(
      `The message payload is not valid JSON: ${(cause as Error).message}. Quote it for the shell, e.g. '{"ok": true}' or '"text"'.`,
      { cause },
    );
  }
}

/** Checks a message before anything is sent: the same schema the receiving run holds it to. */
export function buildMessage(options: SendOptions, now = new Date()): RunMessage {
  const payload = options.json !== undefined ? parsePayload(options.json) : options.payload;
  const parsed = RunMessageSchema.safeParse({
    id: options.id ?? `send-${randomUUID()}`,
    channel: options.channel,
    payload,
    sentAt: now.toISOString(),
  });
  if (!parsed.success) {
    const shown = JSON.stringify(escapeControlChars(String(options.channel)));
    throw new InvalidInputError(
      `Cannot send to channel ${shown}: ${messagingProblems(parsed.error).join('; ')}.`,
    );
  }
  return parsed.data;
}

/**
 * `baton send`: signals `message` to a running run. Refuses, before sending, a bad message, an
 * unknown run and a run that has ended. Delivery is at least once; the run dedupes on the id.
 */
export async function sendMessage(baton: Baton, options: SendOptions): Promise<SendResult> {
  const message = buildMessage(options);
  await refuseEnded(baton, options.run, 'nobody left to receive a message');
  try {
    await handleOf(baton, options.run).signal(messageSignal, message);
  } catch (error) {
    // The run ended between the check and the signal.
    if (error instanceof WorkflowNotFoundError)
      await refuseEnded(baton, options.run, 'nobody left to receive a message');
    throw error instanceof BatonError
      ? error
      : new BatonError(`Sending the message failed: ${(error as Error).message}`, { cause: error });
  }
  return { id: message.id, run: options.run, channel: message.channel };
}

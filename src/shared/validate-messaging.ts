/**
 * Messaging between runs (issue 12, seed 004): the `message` and `messageAck` signals' payloads,
 * a phase's `waitFor`, an agent's `emit`, and what `status` records of them. Checked by the client
 * before anything is sent and again by the receiving run (a signal can come from any client).
 * Sandbox-safe: no Node builtins.
 */
import { z } from 'zod';
import { parseDuration, DURATION_HINT } from './duration';
import { formatBytes, hasControlChars, jsonBytes, LIMITS, nestsDeeperThan } from './limits';

/** A channel name: what a `waitFor` listens on and a sender names. */
export const CHANNEL = /^[A-Za-z][A-Za-z0-9._-]*$/;
const CHANNEL_HINT = 'a channel starts with a letter and holds only letters, digits, ".", "_" and "-"';

export const ChannelSchema = z
  .string({ error: `channel is required: ${CHANNEL_HINT}` })
  .min(1, `channel is required: ${CHANNEL_HINT}`)
  .max(LIMITS.channelChars, `channel is at most ${LIMITS.channelChars} characters`)
  .regex(CHANNEL, CHANNEL_HINT);

export const MessageIdSchema = z
  .string({ error: 'id is required: the message id the receiver dedupes on' })
  .min(1, 'id is required: the message id the receiver dedupes on')
  .max(LIMITS.messageIdChars, `id is at most ${LIMITS.messageIdChars} characters`)
  // Printable, no spaces (ids of emitted messages are `<workflowId>:<phase>:<run>:<index>`).
  .refine((id) => /^\S+$/.test(id) && !hasControlChars(id), 'id cannot hold spaces or control characters');

/** A payload any JSON value, bounded in size and depth. */
export const PayloadSchema = z.unknown().superRefine((payload, ctx) => {
  if (payload === undefined) {
    ctx.addIssue({ code: 'custom', message: 'payload is required: any JSON value' });
  } else if (nestsDeeperThan(payload, LIMITS.nestingDepth)) {
    ctx.addIssue({
      code: 'custom',
      message: `payload nests deeper than ${LIMITS.nestingDepth} levels of objects and arrays`,
    });
  } else if (jsonBytes(payload) > LIMITS.messageBytes) {
    ctx.addIssue({
      code: 'custom',
      message: `payload is ${formatBytes(jsonBytes(payload))} as JSON; at most ${formatBytes(LIMITS.messageBytes)} per message: send a reference (a path, a URL) instead`,
    });
  }
});

/** Who sent a message: a run (and its phase), when a run did; absent for `baton send`. */
export const MessageFromSchema = z
  .object({
    workflowId: z.string().min(1).max(LIMITS.runIdChars),
    phase: z.string().max(LIMITS.phaseIdChars).optional(),
  })
  .strict();
export type MessageFrom = z.infer<typeof MessageFromSchema>;

/** Signal `message`'s payload. */
export const RunMessageSchema = z
  .object({
    id: MessageIdSchema,
    channel: ChannelSchema,
    payload: PayloadSchema,
    from: MessageFromSchema.optional(),
    sentAt: z.iso.datetime({ offset: true, error: 'sentAt is when it was sent, ISO 8601' }),
  })
  .strict();
export type RunMessage = z.infer<typeof RunMessageSchema>;

/** Signal `messageAck`'s payload: the receiver of a message sent by a run tells the sender it has it. */
export const MessageAckSchema = z
  .object({
    id: MessageIdSchema,
    /** The receiving run's workflow id. */
    by: z.string().min(1).max(LIMITS.runIdChars),
    at: z.string().max(40),
  })
  .strict();
export type MessageAck = z.infer<typeof MessageAckSchema>;

/** A phase's `waitFor`: before it runs, the phase waits for a message on the channel. */
export const WaitForSchema = z
  .object({
    channel: ChannelSchema,
    /** How long to wait; without it the phase waits until a message comes or the run is cancelled. */
    timeout: z
      .union([z.string(), z.number()])
      .refine((t) => parseDuration(t) !== undefined, `timeout is not a duration; ${DURATION_HINT}`)
      .refine(
        (t) => (parseDuration(t) ?? 0) <= LIMITS.gateTimeoutMs,
        `timeout is longer than the limit, ${LIMITS.gateTimeoutMs / 86_400_000}d`,
      )
      .optional(),
  })
  .strict();
export type WaitFor = z.infer<typeof WaitForSchema>;

/** One entry of an agent output's `emit`: a message to another run. */
export const EmitSchema = z
  .object({
    to: z
      .string({ error: 'to is required: the workflow id of the run to send to' })
      .min(1)
      .max(LIMITS.runIdChars)
      .refine((to) => !hasControlChars(to), 'to cannot hold control characters'),
    channel: ChannelSchema,
    payload: PayloadSchema,
  })
  .strict();
export const EmitListSchema = z
  .array(EmitSchema)
  .max(LIMITS.emitsPerPhase, `an agent emits at most ${LIMITS.emitsPerPhase} messages per run of a phase`);
export type Emit = z.infer<typeof EmitSchema>;

/** What the receiving run records of a message (status.messages): never its payload. */
export interface ReceivedMessage {
  id: string;
  channel: string;
  from?: MessageFrom;
  sentAt: string;
  /** When the run received it (first delivery). */
  at: string;
  /** Deliveries of the same id after the first: recorded, not delivered again. */
  duplicates: number;
  /** The phase whose `waitFor` took it; absent while it waits in the mailbox. */
  consumedBy?: string;
  /** Runs as senders: whether the ack signal reached them (`sent`), or why not. */
  ack?: 'sent' | { error: string };
}

/** A message the run refused (too large, too many, not a message): recorded, never delivered. */
export interface DroppedMessage {
  at: string;
  id?: string;
  channel?: string;
  reason: string;
}

/** What the sending run records of a message its agent emitted (status.emitted). */
export interface EmittedMessage {
  id: string;
  to: string;
  channel: string;
  phase: string;
  /** When the sendMessages activity had the signal accepted by Temporal (stored durably). */
  deliveredAt?: string;
  /** The receiver's acknowledgement (signal `messageAck`). */
  ack?: { at: string; by: string };
  /** Why it could not be delivered (the target is unknown or has ended, or retries ran out). */
  error?: string;
}

/** What `status` shows of a run's messaging; runs that never messaged show none of it. */
export interface MessagingStatus {
  messages?: ReceivedMessage[];
  messagesDropped?: DroppedMessage[];
  emitted?: EmittedMessage[];
}

/** The sendMessages activity's input and result. */
export interface SendMessagesInput {
  messages: Array<{ to: string; message: RunMessage }>;
}
export interface SendMessagesResult {
  results: Array<{ id: string; deliveredAt?: string; error?: string }>;
}

/** The deterministic id of an emitted message: a retried activity sends the same ids again. */
export const emittedId = (workflowId: string, phase: string, run: number, index: number): string =>
  `${workflowId}:${phase}:${run}:${index}`;

/** A zod error as one line per issue, `field: message`. */
export function messagingProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field && !issue.message.startsWith(String(issue.path[0]))
      ? `${field}: ${issue.message}`
      : issue.message;
  });
}

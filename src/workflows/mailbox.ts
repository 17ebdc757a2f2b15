/**
 * Messaging between runs, the workflow side (docs/messaging.md): the run's mailbox, fed by signal
 * `message` (deduped on the message id, bounded, every refusal recorded); a phase's `waitFor`, which
 * takes one message from its channel before the phase runs; and an agent's `emit`, sent to other runs
 * by the `sendMessages` activity. Acknowledgements are recorded on both sides: the receiver records
 * the message in its status and signals `messageAck` back to a sending run, which records it.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Phase } from '../shared/definition';
import { durationMs } from '../shared/duration';
import { escapeControlChars, LIMITS } from '../shared/limits';
import { messageAckSignal } from '../shared/messages';
import type { PhaseStatus } from '../shared/status';
import {
  EmitListSchema,
  emittedId,
  MessageAckSchema,
  messagingProblems,
  RunMessageSchema,
  type DroppedMessage,
  type EmittedMessage,
  type MessageFrom,
  type MessagingStatus,
  type ReceivedMessage,
} from '../shared/validate-messaging';
import { describeFailure } from './failures';
import type { PhaseExecutor } from './kinds/executor';

/** The patch every messaging command (acks, emits) is taken under, at the start of the run. */
export const MESSAGING = 'messaging';

/** Refused messages a run keeps in `status` (the newest); history has every signal anyway. */
const DROPPED_KEPT = 50;

export const MESSAGING_FAILURES = {
  WaitTimeout: 'Baton.WaitTimeout',
  BadEmit: 'Baton.BadEmit',
} as const;

/** What a phase with `waitFor` gets in its input next to its own fields. */
export interface TakenMessage {
  payload: unknown;
  info: { id: string; channel: string; from?: MessageFrom; sentAt: string };
}

const { sendMessages } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  // At least once: a retry re-sends every message with the same id, and the receiver dedupes.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  summary: 'send messages',
});

const field = (raw: unknown, key: string): string | undefined => {
  const value = (raw as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? escapeControlChars(value.slice(0, 200)) : undefined;
};

export function createMailbox(options: { messaging: boolean; now: () => string; publish: () => void }) {
  const { messaging, now, publish } = options;
  const self = workflowInfo().workflowId;
  const received = new Map<string, ReceivedMessage>();
  const queues = new Map<string, Array<{ record: ReceivedMessage; payload: unknown }>>();
  const dropped: DroppedMessage[] = [];
  const emitted: EmittedMessage[] = [];
  const taken = new Map<string, TakenMessage>();

  const queue = (channel: string) => {
    let found = queues.get(channel);
    if (!found) queues.set(channel, (found = []));
    return found;
  };
  const drop = (entry: Omit<DroppedMessage, 'at'>) => {
    dropped.push({ at: now(), ...entry });
    if (dropped.length > DROPPED_KEPT) dropped.shift();
    publish();
  };

  const mailbox = {
    messaging,
    /** Signal `message`: never throws (a signal cannot be refused); a refusal is recorded instead. */
    async receive(raw: unknown): Promise<void> {
      const parsed = RunMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const reason = `not a message: ${messagingProblems(parsed.error).join('; ')}`;
        return drop({ id: field(raw, 'id'), channel: field(raw, 'channel'), reason: reason.slice(0, 1000) });
      }
      const { id, channel, payload, from, sentAt } = parsed.data;
      const known = received.get(id);
      if (known) {
        known.duplicates += 1;
        return publish();
      }
      if (received.size >= LIMITS.messagesPerRun) {
        return drop({
          id,
          channel,
          reason: `the run has received ${LIMITS.messagesPerRun} messages, the most one run takes`,
        });
      }
      const record: ReceivedMessage = {
        id,
        channel,
        ...(from ? { from } : {}),
        sentAt,
        at: now(),
        duplicates: 0,
      };
      received.set(id, record);
      queue(channel).push({ record, payload });
      publish();
      if (!messaging || !from) return;
      if (from.workflowId === self) {
        mailbox.ack({ id, by: self, at: record.at });
        record.ack = 'sent';
        return publish();
      }
      try {
        await getExternalWorkflowHandle(from.workflowId).signal(messageAckSignal, {
          id,
          by: self,
          at: record.at,
        });
        record.ack = 'sent';
      } catch (error) {
        if (isCancellation(error)) throw error;
        record.ack = { error: describeFailure(error).message.slice(0, 500) };
      }
      publish();
    },

    /** Signal `messageAck`: the receiver of a message this run emitted has it. */
    ack(raw: unknown): void {
      const parsed = MessageAckSchema.safeParse(raw);
      if (!parsed.success) return;
      const record = emitted.find((e) => e.id === parsed.data.id);
      if (!record || record.ack) return;
      record.ack = { at: parsed.data.at, by: parsed.data.by };
      publish();
    },

    /**
     * The message a `waitFor` phase runs with: one already in the mailbox, or the next to arrive
     * within the timeout. A phase that runs again (a gate's retry) keeps the message it took.
     */
    async take(phase: Phase, status: PhaseStatus): Promise<TakenMessage> {
      const waitFor = phase.waitFor as NonNullable<Phase['waitFor']>;
      const before = taken.get(phase.id);
      if (before) return before;
      const waiting = queue(waitFor.channel);
      if (waiting.length === 0) {
        const timeoutMs =
          waitFor.timeout === undefined ? undefined : durationMs(waitFor.timeout, LIMITS.gateTimeoutMs);
        const since = now();
        status.waitingFor = {
          channel: waitFor.channel,
          since,
          ...(timeoutMs ? { until: new Date(Date.parse(since) + timeoutMs).toISOString() } : {}),
        };
        publish();
        const arrived = await (
          timeoutMs === undefined
            ? condition(() => waiting.length > 0).then(() => true)
            : condition(() => waiting.length > 0, timeoutMs)
        ).finally(() => {
          status.waitingFor = undefined;
        });
        if (!arrived) {
          throw ApplicationFailure.create({
            type: MESSAGING_FAILURES.WaitTimeout,
            nonRetryable: true,
            message: `no message on channel "${waitFor.channel}" within ${String(waitFor.timeout)} (waitFor.timeout); send one with \`baton send <run> ${waitFor.channel} '<json>'\` or raise the timeout`,
          });
        }
      }
      const { record, payload } = waiting.shift() as { record: ReceivedMessage; payload: unknown };
      record.consumedBy = phase.id;
      const message: TakenMessage = {
        payload,
        info: {
          id: record.id,
          channel: record.channel,
          ...(record.from ? { from: record.from } : {}),
          sentAt: record.sentAt,
        },
      };
      taken.set(phase.id, message);
      publish();
      return message;
    },

    /** The `emit` list of an agent's output, when it has one (and the run may send). */
    emitsOf(output: unknown): unknown {
      if (!messaging || output === null || typeof output !== 'object' || Array.isArray(output))
        return undefined;
      return (output as Record<string, unknown>).emit;
    },

    /**
     * Sends what the phase's agent emitted, through the `sendMessages` activity (retried with
     * backoff; ids are deterministic, so a re-send is deduped by the receiver). A message that cannot
     * be delivered is recorded with why; a malformed `emit` fails the phase.
     */
    async emit(phase: Phase, run: number, raw: unknown): Promise<void> {
      const parsed = EmitListSchema.safeParse(raw);
      if (!parsed.success) {
        throw ApplicationFailure.create({
          type: MESSAGING_FAILURES.BadEmit,
          nonRetryable: true,
          message: `the agent's output has a bad emit list: ${messagingProblems(parsed.error).join('; ')}`,
        });
      }
      if (parsed.data.length === 0) return;
      const sentAt = now();
      const messages = parsed.data.map((e, index) => ({
        to: e.to,
        message: {
          id: emittedId(self, phase.id, run, index),
          channel: e.channel,
          payload: e.payload,
          from: { workflowId: self, phase: phase.id },
          sentAt,
        },
      }));
      const records: EmittedMessage[] = messages.map(({ to, message }) => ({
        id: message.id,
        to,
        channel: message.channel,
        phase: phase.id,
      }));
      emitted.push(...records);
      if (emitted.length > LIMITS.messagesPerRun) emitted.splice(0, emitted.length - LIMITS.messagesPerRun);
      publish();
      try {
        const { results } = await sendMessages({ messages });
        for (const result of results) {
          const record = records.find((r) => r.id === result.id);
          if (!record) continue;
          if (result.deliveredAt) record.deliveredAt = result.deliveredAt;
          if (result.error) record.error = result.error;
        }
      } catch (error) {
        if (isCancellation(error)) throw error;
        const why = `not delivered after retries: ${describeFailure(error).message}`.slice(0, 500);
        for (const record of records) if (!record.deliveredAt) record.error = why;
      }
      publish();
    },

    status(): MessagingStatus {
      return {
        ...(received.size ? { messages: [...received.values()].map((m) => ({ ...m })) } : {}),
        ...(dropped.length ? { messagesDropped: [...dropped] } : {}),
        ...(emitted.length ? { emitted: emitted.map((e) => ({ ...e })) } : {}),
      };
    },
  };
  return mailbox;
}

export type Mailbox = ReturnType<typeof createMailbox>;

/**
 * The phase's executor with messaging around it: `waitFor` before, `emit` after. Runs without the
 * messaging patch get the executor itself, so their commands keep their order.
 */
export function withMessaging(
  execute: PhaseExecutor,
  phase: Phase,
  mailbox: Mailbox | undefined,
  status: PhaseStatus,
): PhaseExecutor {
  if (!mailbox?.messaging) return execute;
  return async (request) => {
    let input = request.input;
    if (phase.waitFor) {
      const { payload, info } = await mailbox.take(phase, status);
      input = { ...input, message: payload, messageInfo: info };
    }
    const result = await execute({ ...request, input });
    const emits = mailbox.emitsOf(result.output);
    if (emits !== undefined) await mailbox.emit(phase, request.run, emits);
    return result;
  };
}

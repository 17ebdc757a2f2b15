import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { messageSignal } from '../shared/messages';
import type { SendMessagesInput, SendMessagesResult } from '../shared/validate-messaging';

/**
 * The messaging activities, run with the worker's own client (docs/messaging.md). Signalling is
 * at least once: the activity is retried with backoff, and every retry sends the same ids again.
 */
export function createMessageActivities() {
  return {
    /**
     * Signals `message` to each target run. A target that does not exist or has ended cannot take
     * the message, now or later: that is a result (recorded by the sender), not a retry. Anything
     * else (the server unreachable) fails the attempt, and the retry sends them all again.
     */
    async sendMessages({ messages }: SendMessagesInput): Promise<SendMessagesResult> {
      const client = Context.current().client;
      const results: SendMessagesResult['results'] = [];
      for (const { to, message } of messages) {
        try {
          await client.workflow.getHandle(to).signal(messageSignal, message);
          results.push({ id: message.id, deliveredAt: new Date().toISOString() });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          results.push({
            id: message.id,
            error: `run "${to}" does not exist or has ended: the message cannot be delivered`,
          });
        }
      }
      return { results };
    },
  };
}

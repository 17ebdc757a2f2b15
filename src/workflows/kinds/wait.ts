import { ApplicationFailure } from '@temporalio/workflow';
import { BATON_FAILURES } from '../../shared/failure-types';
import type { PhaseExecutor } from './executor';

/**
 * Kind `wait`: a phase with `waitFor` and no agent. The mailbox (withMessaging) has put the message
 * into its input before this runs; the phase's output is that message.
 */
export const runWaitPhase: PhaseExecutor = ({ phase, input }) => {
  const info = input.messageInfo as Record<string, unknown> | undefined;
  if (!info) {
    // Only a run without the messaging patch could get here, and such a run has no wait phase.
    return Promise.reject(
      ApplicationFailure.nonRetryable(`phase "${phase.id}" waited for no message`, BATON_FAILURES.Internal),
    );
  }
  return Promise.resolve({
    output: { ...info, payload: input.message },
    attempts: 1,
    artifacts: [],
    usage: {},
    withoutLlm: [],
  });
};

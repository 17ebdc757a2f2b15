/**
 * The `command` sink: a local program (email, a pager, a file) gets the event's JSON on stdin and
 * its names in the environment. Never a shell; bounded in time, then its whole group is killed.
 */
import { basename } from 'node:path';
import type { NotificationSink } from '../../config/notifications';
import type { NotificationEvent } from '../../shared/notifications';
import { childEnv, runInGroup } from '../agents/toolbox/process-group';
import { SinkError } from './failure';
import type { SinkContext } from './sink-context';

export const COMMAND_TIMEOUT_MS = 30_000;
/** How much of the program's stderr a failure carries (it goes into history). */
const STDERR_TAIL = 500;

export function commandLabel(sink: NotificationSink): string {
  return `command ${basename(sink.command![0]!)}`;
}

export async function deliverCommand(
  sink: NotificationSink,
  event: NotificationEvent,
  { signal }: SinkContext,
): Promise<void> {
  const [program, ...args] = sink.command!;
  const label = commandLabel(sink);
  let stderr = '';
  const outcome = await runInGroup({
    command: program!,
    args,
    cwd: process.cwd(),
    env: childEnv({
      BATON_EVENT: event.event,
      BATON_EVENT_ID: event.eventId,
      BATON_WORKFLOW_ID: event.workflowId,
    }),
    stdin: `${JSON.stringify(event)}\n`,
    timeoutMs: COMMAND_TIMEOUT_MS,
    signal,
    onData(chunk, stream) {
      if (stream === 'stderr') stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    },
  });
  if (signal.aborted) throw signal.reason;
  const error = outcome.spawnError;
  if (error?.code === 'ENOENT')
    throw new SinkError(
      label,
      `${program} was not found; fix the sink's command (an absolute path, or a program on the worker's PATH)`,
      false,
    );
  if (error) throw new SinkError(label, `could not start (${error.code ?? error.message})`, false);
  if (outcome.stoppedBy === 'timeout')
    throw new SinkError(label, `still running after ${COMMAND_TIMEOUT_MS / 1000}s; killed`, true);
  if (outcome.code === 0) return;
  const how = outcome.code === null ? `was killed by ${outcome.signal}` : `exited with ${outcome.code}`;
  const tail = stderr.trim();
  throw new SinkError(label, `${how}${tail ? `: ${tail}` : ''}`, true);
}

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Problem } from '../shared/validate';
import { formatProblems } from '../shared/validate';

const onPathCache = new Map<string, boolean>();

/** True when an executable `name` is on PATH (checked once per process). */
function onPath(name: string): boolean {
  let found = onPathCache.get(name);
  if (found === undefined) {
    found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
      if (!dir) return false;
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    onPathCache.set(name, found);
  }
  return found;
}

/**
 * A `baton …` command line that runs from where the user is: `baton` when it is on PATH (a global
 * install), else `npx baton`, which finds the project's own. Every hint the CLI prints goes through
 * here, so a hint never names a command the user's shell cannot find.
 */
export const batonCommand = (args: string): string => `${onPath('baton') ? 'baton' : 'npx baton'} ${args}`;

/** A `temporal …` command line: the Temporal CLI when it is on PATH, else Baton's `baton temporal`. */
export const temporalCommand = (args: string): string =>
  onPath('temporal') ? `temporal ${args}` : batonCommand(`temporal ${args}`);

/** An error the CLI prints as it is: the message already says what to do. */
export class BatonError extends Error {
  override name = 'BatonError';
}

export class ServerUnreachableError extends BatonError {
  override name = 'ServerUnreachableError';
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      `Cannot reach a Temporal server at ${address}.\n` +
        `  Start one with \`npm start\` (dev server, worker and a demo run) or \`${batonCommand('dev')}\`,\n` +
        '  or point TEMPORAL_ADDRESS at a running server.',
      options,
    );
  }
}

export class NamespaceNotFoundError extends BatonError {
  override name = 'NamespaceNotFoundError';
  constructor(namespace: string, address: string, options?: { cause?: unknown }) {
    super(
      `Namespace "${namespace}" not found on the Temporal server at ${address}; create it with \`${temporalCommand(`operator namespace create --address ${address} --namespace ${namespace}`)}\`, or set TEMPORAL_NAMESPACE to an existing one (default: "default").`,
      options,
    );
  }
}

export class DefinitionError extends BatonError {
  override name = 'DefinitionError';
  constructor(
    readonly definitionName: string,
    readonly problems: Problem[],
    /** A line printed after the problems, indented like them: what the user can do about them. */
    hint?: string,
  ) {
    super(
      `Invalid pipeline definition "${definitionName}" (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatProblems(problems)}${hint ? `\n  ${hint}` : ''}`,
    );
  }
}

export class RunNotFoundError extends BatonError {
  override name = 'RunNotFoundError';
  constructor(id: string, namespace: string, options?: { cause?: unknown }) {
    super(
      `No run with id "${id}" in namespace "${namespace}". Check the id, or list runs with \`${batonCommand('runs')}\` or in the Web UI.`,
      options,
    );
  }
}

/** The run has closed (completed, rejected, failed, cancelled, terminated or timed out). */
export class RunEndedError extends BatonError {
  override name = 'RunEndedError';
}

/** The run's workflow task fails on every attempt: the run can neither progress nor end by itself. */
export class WorkflowTaskFailingError extends BatonError {
  override name = 'WorkflowTaskFailingError';
}

/** A run's workflow did not answer a query: no worker polls its task queue, or the worker is stuck. */
export class NoWorkerError extends BatonError {
  override name = 'NoWorkerError';
}

export class DecisionRejectedError extends BatonError {
  override name = 'DecisionRejectedError';
}

/** Something the CLI would send is over a Temporal limit, so it is refused before it is sent. */
export class TooLargeError extends BatonError {
  override name = 'TooLargeError';
}

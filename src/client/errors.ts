import type { Problem } from '../shared/validate';
import { formatProblems } from '../shared/validate';

/** An error the CLI prints as it is: the message already says what to do. */
export class BatonError extends Error {
  override name = 'BatonError';
}

export class ServerUnreachableError extends BatonError {
  override name = 'ServerUnreachableError';
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      `Cannot reach a Temporal server at ${address}.\n` +
        '  Start one with `npm start` (dev server, worker and a demo run) or `baton dev`,\n' +
        '  or point TEMPORAL_ADDRESS at a running server.',
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
      `No run with id "${id}" in namespace "${namespace}". Check the id, or list runs with \`temporal workflow list\` or in the Web UI.`,
      options,
    );
  }
}

/** A run's workflow did not answer a query: no worker polls its task queue, or the worker is stuck. */
export class NoWorkerError extends BatonError {
  override name = 'NoWorkerError';
}

export class DecisionRejectedError extends BatonError {
  override name = 'DecisionRejectedError';
}

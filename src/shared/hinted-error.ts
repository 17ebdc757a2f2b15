/**
 * An error a person can fix: `hint` says how. The CLI prints the message, then the hint. Shared so
 * that the worker, the dev tooling and the settings (which may not import the client) use one shape.
 */
export class HintedError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The `ApplicationFailure` type strings Baton raises, in one place. Workflows, activities, the
 * worker's log and the client all name failures by these strings; sandbox-safe (no imports).
 */

/**
 * Failures of an agent activity. `retryable` says whether another attempt can succeed: a bad
 * input or a rejected key fails the same way every time, a rate limit or an outage does not.
 */
export const AGENT_FAILURES = {
  /** Anything an agent threw that no other kind describes. */
  Error: { type: 'Agent.Error', retryable: true },
  /** The definition names an agent this worker does not offer. */
  Unknown: { type: 'Agent.Unknown', retryable: false },
  BadInput: { type: 'Agent.BadInput', retryable: false },
  BadOutput: { type: 'Agent.BadOutput', retryable: false },
  /** A setting is missing or wrong (no model, an unusable endpoint): fix the config. */
  NotConfigured: { type: 'Agent.NotConfigured', retryable: false },
  RateLimited: { type: 'Agent.RateLimited', retryable: true },
  ProviderUnavailable: { type: 'Agent.ProviderUnavailable', retryable: true },
  AuthFailed: { type: 'Agent.AuthFailed', retryable: false },
  /** The provider refused the request itself (unknown model, unsupported option). */
  BadRequest: { type: 'Agent.BadRequest', retryable: false },
  BuildFailed: { type: 'Agent.BuildFailed', retryable: false },
  CommandFailed: { type: 'Agent.CommandFailed', retryable: false },
  Timeout: { type: 'Agent.Timeout', retryable: true },
  /** The run's workspace is not usable right now. */
  Workspace: { type: 'Agent.Workspace', retryable: true },
} as const;

export type AgentFailureKind = keyof typeof AGENT_FAILURES;

/** Failures the `pipeline` workflow raises itself; all of them are permanent. */
export const BATON_FAILURES = {
  InvalidDefinition: 'Baton.InvalidDefinition',
  Internal: 'Baton.Internal',
  InputTooLarge: 'Baton.InputTooLarge',
  BadDecision: 'Baton.BadDecision',
  PhaseFailed: 'Baton.PhaseFailed',
  /** A phase's `when` could not be evaluated (a missing field, a type error). */
  ConditionFailed: 'Baton.ConditionFailed',
  /** A phase's branch conflicts with the run's main branch (the next issue makes this a gate). */
  MergeConflict: 'Baton.MergeConflict',
  /** The run's `--repo` or `--out` cannot be used on the worker's machine. */
  Workspace: 'Baton.Workspace',
} as const;

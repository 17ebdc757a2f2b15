/** The LLM as agents see it, and what one call asks of it. */
import type { z } from 'zod';
import type { Env, ResolvedModel } from '../../config';

/** Tokens and cost of the LLM calls an agent made. */
export interface UsageRecord {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** In US dollars, when the model's price is known. */
  costUsd?: number;
}

/** One structured-output request. `signal`, `heartbeat` and `recordUsage` come from the AgentContext. */
export interface GenerateObjectRequest<S extends z.ZodType> {
  /** The agent asking; picks the model (`BATON_MODEL_<AGENT>`, `agents.<name>.model`, ...). */
  agent: string;
  /** The answer is parsed through this schema; its JSON Schema is also sent to the model. */
  schema: S;
  system?: string;
  prompt: string;
  signal?: AbortSignal;
  heartbeat?: (details?: unknown) => void;
  recordUsage: (usage: UsageRecord) => void;
}

/** The LLM as agents see it; tests and workers inject one built by `createLlm`. */
export interface Llm {
  /** False when no model is configured for the agent: it should use its deterministic fallback. */
  configured(agent: string): boolean;
  model(agent: string): ResolvedModel | undefined;
  /**
   * Asks for a JSON answer fitting `schema`. An answer that does not parse is re-asked once with
   * the problem fed back; a second bad answer fails as non-retryable `Agent.BadOutput`.
   * Provider errors become `Agent.RateLimited`, `Agent.ProviderUnavailable` (retryable),
   * `Agent.AuthFailed` or `Agent.BadRequest` (non-retryable).
   */
  generateObject<S extends z.ZodType>(request: GenerateObjectRequest<S>): Promise<z.output<S>>;
}

export interface LlmOptions {
  /** Where API keys are read from; defaults to `process.env`. */
  env?: Env;
  /** Per-request timeout when the provider sets none; defaults to 5 minutes. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

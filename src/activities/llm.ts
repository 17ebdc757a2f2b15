import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ApplicationFailure } from '@temporalio/common';
import {
  APICallError,
  LoadAPIKeyError,
  NoObjectGeneratedError,
  Output,
  generateText,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
} from 'ai';
import { z } from 'zod';
import type { UsageRecord } from './agents/agent';
import {
  agentModelEnvName,
  isVendorEndpoint,
  redact,
  resolveModel,
  type BatonConfig,
  type Env,
  type ProviderSettings,
  type ResolvedModel,
} from './config';

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

/** US dollars per million tokens, for a few well-known models on their vendors' endpoints. */
const BUILTIN_PRICES: Record<string, { inputPerMTok: number; outputPerMTok: number }> = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-sonnet-4-0': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
};

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_ECHO_CHARS = 20_000;

/** Builds the LLM layer from a loaded config. No network happens until `generateObject`. */
export function createLlm(config: BatonConfig, options: LlmOptions = {}): Llm {
  const env = options.env ?? process.env;
  const hide = (text: string) => redact(text, config, env);

  function languageModel(resolved: ResolvedModel, settings: ProviderSettings): LanguageModel {
    const apiKey = env[settings.apiKeyEnv]?.trim() || undefined;
    const common = { ...(options.fetch && { fetch: options.fetch }) };
    const compatible = (baseURL: string) =>
      createOpenAICompatible({
        name: resolved.provider,
        baseURL,
        ...(apiKey && { apiKey }),
        supportsStructuredOutputs: settings.structuredOutputs ?? true,
        ...common,
      }).chatModel(resolved.model);
    switch (settings.kind) {
      case 'openai':
        // A local OpenAI-compatible server (OPENAI_BASE_URL without a key) gets no Authorization header.
        if (!apiKey && settings.baseUrl) return compatible(settings.baseUrl);
        if (!apiKey) throw missingKey(resolved, settings);
        return createOpenAI({
          apiKey,
          ...(settings.baseUrl && { baseURL: settings.baseUrl }),
          ...common,
        }).chat(resolved.model);
      case 'anthropic':
        if (!apiKey) throw missingKey(resolved, settings);
        return createAnthropic({
          apiKey,
          ...(settings.baseUrl && { baseURL: settings.baseUrl }),
          ...common,
        }).languageModel(resolved.model);
      case 'openai-compatible':
        return compatible(settings.baseUrl ?? '');
    }
  }

  function costOf(
    resolved: ResolvedModel,
    settings: ProviderSettings,
    usage: { input: number; output: number },
  ): number | undefined {
    const price =
      config.prices[`${resolved.provider}:${resolved.model}`] ??
      config.prices[resolved.model] ??
      (isVendorEndpoint(settings)
        ? (BUILTIN_PRICES[resolved.model] ?? BUILTIN_PRICES[undatedModel(resolved.model)])
        : undefined);
    return price
      ? (usage.input * price.inputPerMTok + usage.output * price.outputPerMTok) / 1_000_000
      : undefined;
  }

  async function generateObject<S extends z.ZodType>(
    request: GenerateObjectRequest<S>,
  ): Promise<z.output<S>> {
    const resolved = resolveModel(config, request.agent);
    const settings = resolved && config.providers[resolved.provider];
    if (!resolved || !settings) {
      throw ApplicationFailure.create({
        message: `Agent "${request.agent}" needs an LLM, and none is configured for it; set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_BASE_URL (with BATON_MODEL), or name a model in ${agentModelEnvName(request.agent)} or agents.${request.agent}.model`,
        type: 'Agent.NotConfigured',
        nonRetryable: true,
      });
    }
    const label = `${resolved.provider}:${resolved.model}`;
    let model: LanguageModel;
    try {
      model = languageModel(resolved, settings);
    } catch (error) {
      throw classifyLlmError(error, { resolved, settings, hide });
    }
    const system = [request.system, answerInstructions(request.schema)].filter(Boolean).join('\n\n');
    const output =
      settings.structuredOutputs === false ? Output.json() : Output.object({ schema: request.schema });
    const messages: ModelMessage[] = [{ role: 'user', content: request.prompt }];
    const timeoutMs = settings.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

    const askOnce = async (ask: number) => {
      request.heartbeat?.({ llm: label, ask });
      const { text, usage } = await call(model, {
        system,
        messages,
        output,
        signal: request.signal,
        timeoutMs,
      }).catch((error: unknown) => {
        throw classifyLlmError(error, { resolved, settings, hide, signal: request.signal });
      });
      // Every answer costs tokens, usable or not, so each one is recorded.
      const tokens = { input: usage?.inputTokens ?? 0, output: usage?.outputTokens ?? 0 };
      const costUsd = costOf(resolved, settings, tokens);
      request.recordUsage({
        model: label,
        inputTokens: tokens.input,
        outputTokens: tokens.output,
        ...(costUsd !== undefined && { costUsd }),
      });
      request.heartbeat?.({ llm: label, ask, answered: true });
      return { text, answer: interpret(text, request.schema) };
    };

    const first = await askOnce(1);
    if (first.answer.ok) return first.answer.value;
    messages.push(
      { role: 'assistant', content: first.text.slice(0, MAX_ECHO_CHARS) },
      {
        role: 'user',
        content: `Your answer could not be used: ${first.answer.problem}\nAnswer again with only the corrected JSON value, no prose and no code fences.`,
      },
    );
    const second = await askOnce(2);
    if (second.answer.ok) return second.answer.value;
    throw ApplicationFailure.create({
      message: hide(
        `Agent "${request.agent}" (${label}) answered twice with output that does not fit its schema: ${second.answer.problem}`,
      ),
      type: 'Agent.BadOutput',
      nonRetryable: true,
    });
  }

  return {
    configured: (agent) => resolveModel(config, agent) !== undefined,
    model: (agent) => resolveModel(config, agent),
    generateObject,
  };
}

interface CallArgs {
  system: string;
  messages: ModelMessage[];
  output: ReturnType<typeof Output.json> | ReturnType<typeof Output.object>;
  signal: AbortSignal | undefined;
  timeoutMs: number;
}

/** One model call; returns the raw text even when the SDK's own parse of it failed. */
async function call(
  model: LanguageModel,
  args: CallArgs,
): Promise<{ text: string; usage: LanguageModelUsage | undefined }> {
  const timeout = AbortSignal.timeout(args.timeoutMs);
  const abortSignal = args.signal ? AbortSignal.any([args.signal, timeout]) : timeout;
  try {
    // Temporal owns retries (with the provider's retry-after), so the SDK must not retry on its own.
    const result = await generateText({
      model,
      system: args.system,
      messages: args.messages,
      output: args.output,
      maxRetries: 0,
      abortSignal,
      providerOptions: { openai: { strictJsonSchema: false } },
    });
    return { text: result.text, usage: result.usage };
  } catch (error) {
    if (NoObjectGeneratedError.isInstance(error)) return { text: error.text ?? '', usage: error.usage };
    if (timeout.aborted && !args.signal?.aborted) throw new TimeoutError(args.timeoutMs, { cause: error });
    throw error;
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    readonly ms: number,
    options?: ErrorOptions,
  ) {
    super(`no answer within ${Math.round(ms / 1000)}s`, options);
  }
}

function answerInstructions(schema: z.ZodType): string {
  let jsonSchema: unknown;
  try {
    jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return 'Answer with one JSON value and nothing else.';
  }
  return `Answer with one JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(jsonSchema)}`;
}

type Interpreted<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses an answer: JSON (a fenced block is accepted too), then the schema. */
function interpret<S extends z.ZodType>(text: string, schema: S): Interpreted<z.output<S>> {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  const json = fenced?.[1] ?? trimmed;
  if (!json) return { ok: false, problem: 'the answer was empty; it must be a JSON value' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 10)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return { ok: false, problem: `it does not match the schema (${issues.join('; ')})` };
}

function undatedModel(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
}

interface FailureContext {
  resolved: ResolvedModel;
  settings: ProviderSettings;
  hide: (text: string) => string;
  signal?: AbortSignal | undefined;
}

function missingKey(resolved: ResolvedModel, settings: ProviderSettings): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${settings.apiKeyEnv} is not set, and provider "${resolved.provider}" (${settings.baseUrl ?? `the ${settings.kind} API`}) needs it; export ${settings.apiKeyEnv} on the worker`,
    type: 'Agent.AuthFailed',
    nonRetryable: true,
  });
}

/**
 * Turns a provider error into the failure Temporal acts on: retry with the provider's delay, or
 * stop with a message naming the setting to fix. The raw error is not attached as the cause:
 * it holds request and response bodies that do not belong in history.
 */
export function classifyLlmError(error: unknown, ctx: FailureContext): unknown {
  if (error instanceof ApplicationFailure) return error;
  // A cancelled activity: let Temporal see the cancellation itself.
  if (ctx.signal?.aborted) return ctx.signal.reason ?? error;
  const label = `${ctx.resolved.provider}:${ctx.resolved.model}`;
  const endpoint = ctx.settings.baseUrl ?? `the ${ctx.settings.kind} API`;
  const fail = (type: string, message: string, nonRetryable: boolean, nextRetryDelay?: number) =>
    ApplicationFailure.create({
      message: ctx.hide(message),
      type,
      nonRetryable,
      ...(nextRetryDelay !== undefined && { nextRetryDelay }),
    });

  if (error instanceof TimeoutError)
    return fail('Agent.ProviderUnavailable', `${label} at ${endpoint} gave ${error.message}`, false);
  if (LoadAPIKeyError.isInstance(error))
    return fail(
      'Agent.AuthFailed',
      `${ctx.settings.apiKeyEnv} is not set; export it on the worker (${error.message})`,
      true,
    );
  if (isBadEndpoint(error)) {
    // The same URL fails the same way on every attempt: a setting to fix, not a failure to retry.
    const setting =
      ctx.settings.kind === 'openai-compatible'
        ? `providers.${ctx.resolved.provider}.baseUrl`
        : `providers.${ctx.resolved.provider}.baseUrl or ${ctx.settings.kind === 'openai' ? 'OPENAI_BASE_URL' : 'ANTHROPIC_BASE_URL'}`;
    return fail(
      'Agent.NotConfigured',
      `${label}: the endpoint ${endpoint} cannot be used (${error.message}); fix ${setting}: keep only scheme, host and path there, and move any credentials to an env var (apiKeyEnv)`,
      true,
    );
  }
  if (!APICallError.isInstance(error)) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail('Agent.Error', `${label}: ${message}`, false);
  }

  const status = error.statusCode;
  const said = truncate(error.message, 500);
  const delay = retryAfterMs(error.responseHeaders);
  if (status === undefined)
    return fail('Agent.ProviderUnavailable', `${label}: cannot reach ${error.url} (${said})`, false);
  if (status === 429)
    return fail('Agent.RateLimited', `${label} is rate limited by ${error.url} (429: ${said})`, false, delay);
  if (status === 408 || status === 409 || status >= 500) {
    return fail(
      'Agent.ProviderUnavailable',
      `${label} is unavailable at ${error.url} (${status}: ${said})`,
      false,
      delay,
    );
  }
  if (status === 401 || status === 403) {
    const keyEnv = ctx.settings.apiKeyEnv;
    const message =
      status === 401
        ? `${keyEnv} was rejected by ${error.url} (401: ${said}); set a valid key in ${keyEnv}`
        : `${keyEnv} is not allowed to use ${ctx.resolved.model} at ${error.url} (403: ${said}); use a key with access, or change ${ctx.resolved.setting}`;
    return fail('Agent.AuthFailed', message, true);
  }
  const hint =
    status === 404
      ? `; check that model "${ctx.resolved.model}" exists there (set by ${ctx.resolved.setting})`
      : /response_format|json_schema/i.test(said)
        ? `; if the server does not support JSON Schema output, set providers.${ctx.resolved.provider}.structuredOutputs: false`
        : `; check the model set by ${ctx.resolved.setting} and providers.${ctx.resolved.provider} in baton.config`;
  return fail(
    'Agent.BadRequest',
    `${label} rejected the request at ${error.url} (${status}: ${said})${hint}`,
    true,
  );
}

/** fetch's refusal of the URL itself (credentials in it, or not a URL): no request was sent. */
function isBadEndpoint(error: unknown): error is TypeError {
  if (!(error instanceof TypeError)) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_INVALID_URL' || /includes credentials|invalid url/i.test(error.message);
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The LLM half of the failure classifier: provider errors as typed, retryable-or-not failures. */
import { APICallError, LoadAPIKeyError } from 'ai';
import { ApplicationFailure } from '@temporalio/common';
import type { ProviderSettings, ResolvedModel } from '../../config';
import type { AgentFailureKind } from '../../shared/failure-types';
import { agentFailure, cancellation } from '../failures';
import { retryAfterMs } from '../retry-after';
import { TimeoutError } from './call';

export interface FailureContext {
  resolved: ResolvedModel;
  settings: ProviderSettings;
  hide: (text: string) => string;
  signal?: AbortSignal | undefined;
}

export function missingKey(resolved: ResolvedModel, settings: ProviderSettings): ApplicationFailure {
  return agentFailure(
    'AuthFailed',
    `${settings.apiKeyEnv} is not set, and provider "${resolved.provider}" (${settings.baseUrl ?? `the ${settings.kind} API`}) needs it; export ${settings.apiKeyEnv} on the worker`,
  );
}

/**
 * Turns a provider error into the failure Temporal acts on: retry with the provider's delay, or
 * stop with a message naming the setting to fix. The raw error is not attached as the cause:
 * it holds request and response bodies that do not belong in history.
 */
export function classifyLlmError(error: unknown, ctx: FailureContext): unknown {
  if (error instanceof ApplicationFailure) return error;
  // A cancelled activity: let Temporal see the cancellation itself.
  if (ctx.signal?.aborted) return cancellation(ctx.signal, error);
  const label = `${ctx.resolved.provider}:${ctx.resolved.model}`;
  const endpoint = ctx.settings.baseUrl ?? `the ${ctx.settings.kind} API`;
  const fail = (kind: AgentFailureKind, message: string, nextRetryDelay?: number) =>
    agentFailure(kind, ctx.hide(message), { nextRetryDelay });

  if (error instanceof TimeoutError)
    return fail('ProviderUnavailable', `${label} at ${endpoint} gave ${error.message}`);
  if (LoadAPIKeyError.isInstance(error))
    return fail(
      'AuthFailed',
      `${ctx.settings.apiKeyEnv} is not set; export it on the worker (${error.message})`,
    );
  if (isBadEndpoint(error)) {
    // The same URL fails the same way on every attempt: a setting to fix, not a failure to retry.
    const setting =
      ctx.settings.kind === 'openai-compatible'
        ? `providers.${ctx.resolved.provider}.baseUrl`
        : `providers.${ctx.resolved.provider}.baseUrl or ${ctx.settings.kind === 'openai' ? 'OPENAI_BASE_URL' : 'ANTHROPIC_BASE_URL'}`;
    return fail(
      'NotConfigured',
      `${label}: the endpoint ${endpoint} cannot be used (${error.message}); fix ${setting}: keep only scheme, host and path there, and move any credentials to an env var (apiKeyEnv)`,
    );
  }
  if (!APICallError.isInstance(error)) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail('Error', `${label}: ${message}`);
  }

  const status = error.statusCode;
  const said = truncate(error.message, 500);
  const delay = retryAfterMs(error.responseHeaders);
  if (status === undefined)
    return fail('ProviderUnavailable', `${label}: cannot reach ${error.url} (${said})`);
  if (status === 429)
    return fail('RateLimited', `${label} is rate limited by ${error.url} (429: ${said})`, delay);
  if (status === 408 || status === 409 || status >= 500) {
    return fail('ProviderUnavailable', `${label} is unavailable at ${error.url} (${status}: ${said})`, delay);
  }
  if (status === 401 || status === 403) {
    const keyEnv = ctx.settings.apiKeyEnv;
    const message =
      status === 401
        ? `${keyEnv} was rejected by ${error.url} (401: ${said}); set a valid key in ${keyEnv}`
        : `${keyEnv} is not allowed to use ${ctx.resolved.model} at ${error.url} (403: ${said}); use a key with access, or change ${ctx.resolved.setting}`;
    return fail('AuthFailed', message);
  }
  const hint =
    status === 404
      ? `; check that model "${ctx.resolved.model}" exists there (set by ${ctx.resolved.setting})`
      : /response_format|json_schema/i.test(said)
        ? `; if the server does not support JSON Schema output, set providers.${ctx.resolved.provider}.structuredOutputs: false`
        : `; check the model set by ${ctx.resolved.setting} and providers.${ctx.resolved.provider} in baton.config`;
  return fail('BadRequest', `${label} rejected the request at ${error.url} (${status}: ${said})${hint}`);
}

/** fetch's refusal of the URL itself (credentials in it, or not a URL): no request was sent. */
function isBadEndpoint(error: unknown): error is TypeError {
  if (!(error instanceof TypeError)) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_INVALID_URL' || /includes credentials|invalid url/i.test(error.message);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The AI SDK model for a provider, one entry per provider kind. */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { Env, ProviderKind, ProviderSettings, ResolvedModel } from '../../config';
import { missingKey } from './failures';

interface ModelRequest {
  resolved: ResolvedModel;
  settings: ProviderSettings;
  /** Where the provider's key is read (`settings.apiKeyEnv`). */
  env: Env;
  fetch?: typeof fetch | undefined;
}

type Build = (request: ModelRequest, apiKey: string | undefined) => LanguageModel;

const fetchOf = ({ fetch }: ModelRequest) => ({ ...(fetch && { fetch }) });

const compatible = (request: ModelRequest, apiKey: string | undefined, baseURL: string) =>
  createOpenAICompatible({
    name: request.resolved.provider,
    baseURL,
    ...(apiKey && { apiKey }),
    supportsStructuredOutputs: request.settings.structuredOutputs ?? true,
    ...fetchOf(request),
  }).chatModel(request.resolved.model);

const PROVIDERS: Record<ProviderKind, Build> = {
  openai: (request, apiKey) => {
    const { resolved, settings } = request;
    // A local OpenAI-compatible server (OPENAI_BASE_URL without a key) gets no Authorization header.
    if (!apiKey && settings.baseUrl) return compatible(request, apiKey, settings.baseUrl);
    if (!apiKey) throw missingKey(resolved, settings);
    return createOpenAI({
      apiKey,
      ...(settings.baseUrl && { baseURL: settings.baseUrl }),
      ...fetchOf(request),
    }).chat(resolved.model);
  },
  anthropic: (request, apiKey) => {
    const { resolved, settings } = request;
    if (!apiKey) throw missingKey(resolved, settings);
    return createAnthropic({
      apiKey,
      ...(settings.baseUrl && { baseURL: settings.baseUrl }),
      ...fetchOf(request),
    }).languageModel(resolved.model);
  },
  'openai-compatible': (request, apiKey) => compatible(request, apiKey, request.settings.baseUrl ?? ''),
};

/** The model to call; fails as `Agent.AuthFailed` when its provider needs a key that is not set. */
export function languageModel(request: ModelRequest): LanguageModel {
  const apiKey = request.env[request.settings.apiKeyEnv]?.trim() || undefined;
  return PROVIDERS[request.settings.kind](request, apiKey);
}

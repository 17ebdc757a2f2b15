/** Which provider and model an agent uses, and the names of the settings that choose them. */
import {
  type BatonConfig,
  NO_MODEL,
  type ProviderKind,
  type ProviderSettings,
  type ResolvedModel,
} from './schema';

/** Models used when a provider is configured but no model is named; only for the providers' own endpoints. */
const BUILTIN_DEFAULT_MODELS: Partial<Record<ProviderKind, string>> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
};

/** `BATON_MODEL_<AGENT>`: the agent name upper-cased, anything but letters and digits as `_`. */
export function agentModelEnvName(agent: string): string {
  return `BATON_MODEL_${agent.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** `<PROVIDER>_API_KEY`: where a provider's key is read unless `apiKeyEnv` names another variable. */
export function defaultKeyEnv(provider: string): string {
  return `${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/** True when the provider talks to its vendor's own API (so built-in models and prices apply). */
export function isVendorEndpoint(settings: ProviderSettings): boolean {
  if (settings.kind === 'openai-compatible') return false;
  if (!settings.baseUrl) return true;
  const host = new URL(settings.baseUrl).hostname;
  return host === (settings.kind === 'openai' ? 'api.openai.com' : 'api.anthropic.com');
}

export function builtinDefaultModel(settings: ProviderSettings): string | undefined {
  return isVendorEndpoint(settings) ? BUILTIN_DEFAULT_MODELS[settings.kind] : undefined;
}

/**
 * Splits `provider:model`. A bare model name (or one whose prefix is not a provider, such as
 * Ollama's `llama3.1:8b`) belongs to the only configured provider.
 */
export function parseModelRef(
  ref: string,
  providers: Record<string, ProviderSettings>,
): { provider: string; model: string } | { problem: string } {
  const names = Object.keys(providers);
  const colon = ref.indexOf(':');
  const prefix = colon > 0 ? ref.slice(0, colon) : undefined;
  if (prefix && providers[prefix]) {
    const model = ref.slice(colon + 1).trim();
    return model ? { provider: prefix, model } : { problem: `"${ref}" names no model after "${prefix}:"` };
  }
  if (names.length === 1) return { provider: names[0]!, model: ref };
  if (names.length === 0) {
    return {
      problem: `"${ref}" needs an LLM provider, and none is configured; set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_BASE_URL, or add providers to baton.config`,
    };
  }
  const which = prefix
    ? `provider "${prefix}" is not configured`
    : `"${ref}" does not say which provider to use`;
  return { problem: `${which}; write it as provider:model with one of: ${names.join(', ')}` };
}

/**
 * The model an agent uses: `BATON_MODEL_<AGENT>`, then `agents.<name>.model`, then the default
 * model, then the built-in default of the vendor's provider. `undefined` means no LLM: the agent
 * falls back to its deterministic behaviour.
 */
export function resolveModel(config: BatonConfig, agentName: string): ResolvedModel | undefined {
  const chosen =
    config.agentModelEnv[agentModelEnvName(agentName)] ??
    config.agents[agentName]?.model ??
    config.defaultModel;
  if (chosen) {
    if (chosen.ref === NO_MODEL) return undefined;
    const parsed = parseModelRef(chosen.ref, config.providers);
    return 'problem' in parsed ? undefined : { ...parsed, setting: chosen.setting };
  }
  for (const [provider, settings] of Object.entries(config.providers)) {
    const model = builtinDefaultModel(settings);
    if (model)
      return { provider, model, setting: `BATON_MODEL (unset, so ${provider}'s default ${model} is used)` };
  }
  return undefined;
}

/** What a model call cost: the config's prices first, then built-in list prices on vendors' own endpoints. */
import { type BatonConfig, isVendorEndpoint, type ProviderSettings, type ResolvedModel } from '../../config';

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

/** The cost in US dollars of one call's tokens, or undefined when the model's price is not known. */
export function costOf(
  config: BatonConfig,
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

function undatedModel(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
}

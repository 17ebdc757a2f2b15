/**
 * LLM tokens and cost on the activity's metric meter. Activities run once per attempt (never on
 * replay), so each call is counted once; the meter adds the namespace, task queue and activity type.
 */
import type { MetricMeter } from '@temporalio/common';
import { BATON_METRICS } from '../shared/metrics';
import type { UsageRecord } from './llm';

/**
 * `provider:model` as the LLM layer labels a call; provider names have no colon, model names may
 * (Ollama's `llama3.1:8b`). A label without one (a recorded or external agent's) has no provider.
 */
export function splitModelLabel(label: string): { provider: string; model: string } {
  const colon = label.indexOf(':');
  return colon > 0
    ? { provider: label.slice(0, colon), model: label.slice(colon + 1) }
    : { provider: 'unknown', model: label };
}

/** Counts one call's tokens by direction and, when its price is known, records its cost. */
export function recordLlmUsage(meter: MetricMeter, record: UsageRecord): void {
  const tags = splitModelLabel(record.model);
  const tokens = meter.createCounter(BATON_METRICS.tokens.name, 'tokens', BATON_METRICS.tokens.help);
  tokens.add(record.inputTokens, { ...tags, direction: 'input' });
  tokens.add(record.outputTokens, { ...tags, direction: 'output' });
  if (record.costUsd === undefined) return;
  meter
    .createHistogram(BATON_METRICS.cost.name, 'float', BATON_METRICS.cost.unit, BATON_METRICS.cost.help)
    .record(record.costUsd, tags);
}

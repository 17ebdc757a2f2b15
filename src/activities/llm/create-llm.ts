/** The LLM layer: one structured answer per call, parsed through its schema, re-asked once. */
import type { LanguageModel, ModelMessage } from 'ai';
import type { z } from 'zod';
import { agentModelEnvName, type BatonConfig, redact, resolveModel } from '../../config';
import { agentFailure } from '../failures';
import { answerInstructions, interpret } from './answer';
import { costOf } from './prices';
import type { GenerateObjectRequest, Llm, LlmOptions } from './types';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_ECHO_CHARS = 20_000;

/**
 * The AI SDK and its provider packages, loaded on the first call: about 25 MB that a worker whose
 * agents never call an LLM (command agents, coding-agent CLIs, the tests' no-op agents) does not hold.
 */
const loadAiSdk = () =>
  Promise.all([import('ai'), import('./call'), import('./failures'), import('./providers')]).then(
    ([ai, { call }, { classifyLlmError }, { languageModel }]) => ({
      Output: ai.Output,
      call,
      classifyLlmError,
      languageModel,
    }),
  );
let aiSdkLoading: ReturnType<typeof loadAiSdk> | undefined;
function aiSdk(): ReturnType<typeof loadAiSdk> {
  aiSdkLoading ??= loadAiSdk().catch((error: unknown) => {
    aiSdkLoading = undefined;
    throw error;
  });
  return aiSdkLoading;
}

/** Builds the LLM layer from a loaded config. No network happens until `generateObject`. */
export function createLlm(config: BatonConfig, options: LlmOptions = {}): Llm {
  const env = options.env ?? process.env;
  const hide = (text: string) => redact(text, config, env);

  async function generateObject<S extends z.ZodType>(
    request: GenerateObjectRequest<S>,
  ): Promise<z.output<S>> {
    const resolved = resolveModel(config, request.agent);
    const settings = resolved && config.providers[resolved.provider];
    if (!resolved || !settings) {
      throw agentFailure(
        'NotConfigured',
        `Agent "${request.agent}" needs an LLM, and none is configured for it; set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_BASE_URL (with BATON_MODEL), or name a model in ${agentModelEnvName(request.agent)} or agents.${request.agent}.model`,
      );
    }
    const label = `${resolved.provider}:${resolved.model}`;
    const { Output, call, classifyLlmError, languageModel } = await aiSdk();
    let model: LanguageModel;
    try {
      model = languageModel({ resolved, settings, env, fetch: options.fetch });
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
      const costUsd = costOf(config, resolved, settings, tokens);
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
    throw agentFailure(
      'BadOutput',
      hide(
        `Agent "${request.agent}" (${label}) answered twice with output that does not fit its schema: ${second.answer.problem}`,
      ),
    );
  }

  return {
    configured: (agent) => resolveModel(config, agent) !== undefined,
    model: (agent) => resolveModel(config, agent),
    generateObject,
  };
}

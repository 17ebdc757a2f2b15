/** The LLM agents use: `createLlm(config)` builds it; agents get it through their context. */
export { createLlm } from './create-llm';
export type { GenerateObjectRequest, Llm, LlmOptions, UsageRecord } from './types';

/** One model call, with its own timeout and without the SDK's retries. */
import {
  generateText,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  NoObjectGeneratedError,
  type Output,
} from 'ai';

export interface CallArgs {
  system: string;
  messages: ModelMessage[];
  output: ReturnType<typeof Output.json> | ReturnType<typeof Output.object>;
  signal: AbortSignal | undefined;
  timeoutMs: number;
}

/** One model call; returns the raw text even when the SDK's own parse of it failed. */
export async function call(
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

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    readonly ms: number,
    options?: ErrorOptions,
  ) {
    super(`no answer within ${Math.round(ms / 1000)}s`, options);
  }
}

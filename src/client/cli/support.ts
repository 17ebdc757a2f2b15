import { escapeControlChars } from '../../shared/limits';
import type { RunSummary } from '../../shared/status';
import { createApi, type BatonApi } from '../api';
import type { StartInput } from '../api-schemas';
import { BatonError, batonCommand } from '../errors';
import { parsePairs } from './arguments';
import { forTerminal } from './explain';

export const collect = (value: string, previous: string[]) => [...previous, value];

export const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : text());

/** A line for stderr that is not an error: the command goes on. */
export const note = (text: string) => console.error(forTerminal(text));

/** Runs `fn` with the client API, and closes its connection (if it opened one) afterwards. */
export async function withApi<T>(fn: (api: BatonApi) => Promise<T>): Promise<T> {
  const api = createApi();
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

export function rejection(id: string, summary: RunSummary): string {
  const decision = summary.decisions.findLast((d) => d.action === 'reject');
  const why =
    summary.reason ?? (decision ? `Rejected at "${decision.phase}" by ${decision.by}` : 'Rejected at a gate');
  return `Run "${escapeControlChars(id)}" ended rejected (${escapeControlChars(why)}). Address that, then start a new run.`;
}

/** The definition options of `start` and `validate`: a template or --file, never both. */
export function definitionOptions(template: string | undefined, opts: Record<string, unknown>): StartInput {
  const file = opts.file as string | undefined;
  if (template && file)
    throw new BatonError(
      `Give a template or --file, not both (got "${escapeControlChars(template)}" and --file ${escapeControlChars(file)}).`,
    );
  if (!template && !file)
    throw new BatonError(`Name a template (see \`${batonCommand('templates')}\`) or pass --file def.yaml.`);
  return {
    ...(file ? { file } : { template }),
    params: parsePairs(opts.param as string[], '--param', false).values,
    skipAgentCheck: Boolean(opts.skipAgentCheck),
  };
}

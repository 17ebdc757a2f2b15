import { escapeControlChars } from '../../shared/limits';
import type { RunSummary } from '../../shared/status';
import { createApi, type BatonApi } from '../api';
import type { StartInput } from '../api-schemas';
import { BatonError, batonCommand } from '../errors';
import { isFinalState } from '../status-query';
import { parsePairs } from './arguments';
import { forTerminal } from './explain';
import { renderStatus } from './format';

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

/**
 * Refreshes the status until the run ends. On a terminal it redraws in place; into a pipe or a file
 * it writes no escape codes, and prints a status only when it changed.
 */
export async function watchStatus(api: BatonApi, id: string, json?: boolean): Promise<void> {
  let last = '';
  for (;;) {
    const status = await api.status({ id });
    if (json) console.log(JSON.stringify(status));
    else if (process.stdout.isTTY) {
      process.stdout.write('\x1b[2J\x1b[H');
      console.log(renderStatus(id, status));
    } else {
      const text = renderStatus(id, status);
      if (text !== last) console.log(`${last ? '\n' : ''}${text}`);
      last = text;
    }
    if (isFinalState(status.state)) return;
    await new Promise((r) => setTimeout(r, 1000));
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

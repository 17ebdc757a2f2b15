/**
 * `audit`: what happened in a run (or in every run since a time), read from Temporal history, so
 * it works for closed runs and with no worker running. See docs/audit.md.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { parseDuration } from '../../shared/duration';
import { escapeControlChars, hasControlChars } from '../../shared/limits';
import { WORKFLOW_TYPE } from '../../shared/messages';
import type { Baton } from '../connect';
import { BatonError, RunNotFoundError, batonCommand } from '../errors';
import { readEvents, type FetchHistory } from './read-history';
import type { AuditReport, AuditRun } from './schema';

export { AuditEntrySchema, AuditReportSchema, type AuditEntry, type AuditReport } from './schema';
export { CSV_COLUMNS, renderCsv, renderTable } from './format';

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError || (error as { code?: number }).code === 5;

function historyFetcher(baton: Baton): FetchHistory {
  return (workflowId, runId) => baton.client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** One run's audit: its latest execution's history, its task children's too. */
async function auditOne(baton: Baton, id: string, runId?: string): Promise<AuditReport> {
  let history;
  try {
    history = await baton.client.workflow.getHandle(id, runId).fetchHistory();
  } catch (error) {
    if (isNotFound(error))
      throw new RunNotFoundError(escapeControlChars(id), baton.namespace, { cause: error });
    throw error;
  }
  const read = await readEvents(history.events ?? [], {
    run: id,
    converter: baton.client.options.loadedDataConverter,
    fetch: historyFetcher(baton),
  }).catch((cause: unknown) => {
    throw new BatonError(
      `Cannot read the history of run "${escapeControlChars(id)}": ${(cause as Error).message ?? String(cause)}`,
      {
        cause,
        hint: 'If the run was started with encrypted payloads, this client needs the same codec keys (see docs/audit.md).',
      },
    );
  });
  const run: AuditRun = {
    workflowId: id,
    runId: read.runId ?? runId ?? '',
    ...(read.template ? { template: read.template } : {}),
    recorded: read.recorded,
    ...(read.unreadable ? { unreadable: read.unreadable } : {}),
  };
  return { runs: [run], entries: read.entries };
}

/** `audit <run>`. */
export const auditRun = (baton: Baton, id: string): Promise<AuditReport> => auditOne(baton, id);

const SINCE_EXAMPLE = 'for example --since 7d, --since 12h or --since 2026-01-31T00:00:00Z';

/** `--since`: a duration back from `now` (`7d`, `12h`, `30m`) or an ISO 8601 date or time. */
export function parseSince(text: string, now = Date.now()): Date {
  const shown = JSON.stringify(escapeControlChars(text));
  const ms = parseDuration(text);
  const at =
    ms !== undefined ? new Date(now - ms) : /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new BatonError(`--since ${shown} is neither a duration nor a date; ${SINCE_EXAMPLE}`);
  if (at.getTime() > now)
    throw new BatonError(`--since ${shown} is in the future, so no run started since then; ${SINCE_EXAMPLE}`);
  return at;
}

export interface AuditSinceOptions {
  since: string;
  template?: string;
  /** At most this many runs, the newest (default 1000). */
  limit?: number;
}

const DEFAULT_LIMIT = 1000;

export interface SinceQuery {
  since: Date;
  query: string;
  limit: number;
}

/** Checks `--since` and `--template` and builds the visibility query, before anything connects. */
export function sinceQuery(options: AuditSinceOptions): SinceQuery {
  const since = parseSince(options.since);
  const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`, `StartTime > '${since.toISOString()}'`];
  if (options.template !== undefined) {
    // A quote or a control character could change the query; no template name holds one.
    if (/["'\\`]/.test(options.template) || hasControlChars(options.template) || !options.template)
      throw new BatonError(
        `--template ${JSON.stringify(escapeControlChars(options.template))} is not a template name: it cannot be empty or hold quotes, backslashes or control characters`,
        { hint: `List the templates with \`${batonCommand('templates')}\`.` },
      );
    clauses.push(`BatonTemplate = '${options.template}'`);
  }
  return { since, query: clauses.join(' AND '), limit: options.limit ?? DEFAULT_LIMIT };
}

/** `audit --since`: every `pipeline` run started since then (visibility), oldest first. */
export async function auditSince(baton: Baton, { since, query, limit }: SinceQuery): Promise<AuditReport> {
  const found: { workflowId: string; runId: string }[] = [];
  for await (const info of baton.client.workflow.list({ query, pageSize: 100 })) {
    found.push({ workflowId: info.workflowId, runId: info.runId });
    if (found.length > limit) break;
  }
  const truncated = found.length > limit;
  const report: AuditReport = {
    since: since.toISOString(),
    runs: [],
    entries: [],
    ...(truncated ? { truncated } : {}),
  };
  // Visibility lists the newest first; the report reads forward in time.
  for (const { workflowId, runId } of found.slice(0, limit).reverse()) {
    const one = await auditOne(baton, workflowId, runId);
    report.runs.push(...one.runs);
    report.entries.push(...one.entries);
  }
  return report;
}

import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import { renderCsv, renderTable } from '../audit';
import { BatonError } from '../errors';
import { withApi } from './support';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

function formatOf(opts: { format?: string; json?: boolean }): Format {
  if (opts.json) return 'json';
  const format = opts.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new BatonError(
      `--format ${JSON.stringify(escapeControlChars(format))} is not a format; use one of ${FORMATS.join(', ')} (for example --format csv)`,
    );
  return format as Format;
}

function limitOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1)
    throw new BatonError(
      `--limit ${JSON.stringify(escapeControlChars(text))} is not a positive whole number; for example --limit 100`,
    );
  return limit;
}

/** `baton audit <run>` and `baton audit --since 7d`: the record of what happened, from history. */
export function addAuditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'what happened in a run, from its history (works on closed runs, no worker needed): phase attempts, decisions with who, role, digest and signature, ignored decisions, timeouts, reminders, escalations',
    )
    .argument('[id]', 'workflow id of the run (or use --since)')
    .option(
      '--since <when>',
      'every run started since then: a duration back (7d, 12h) or a date (2026-01-31)',
    )
    .option('--template <name>', 'with --since: only runs of this template')
    .option('--limit <n>', 'with --since: at most this many runs, the newest (default 1000)')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('--json', 'same as --format json')
    .action(async (id: string | undefined, opts) => {
      const format = formatOf(opts);
      if (id !== undefined && opts.since !== undefined)
        throw new BatonError(
          `Give a run id or --since, not both (got "${escapeControlChars(id)}" and --since ${escapeControlChars(opts.since)}).`,
        );
      if (id === undefined && opts.since === undefined)
        throw new BatonError('Name a run (baton audit <id>) or a time (baton audit --since 7d).');
      if (id !== undefined && (opts.template !== undefined || opts.limit !== undefined))
        throw new BatonError('--template and --limit go with --since; a run id names one run already.');
      const limit = limitOf(opts.limit);
      await withApi(async (api) => {
        const report = await api.audit(
          id !== undefined ? { id } : { since: opts.since, template: opts.template, limit },
        );
        const render = {
          json: () => JSON.stringify(report, null, 2) + '\n',
          csv: () => renderCsv(report),
          table: () => renderTable(report) + '\n',
        };
        process.stdout.write(render[format]());
        if (report.truncated)
          console.error(
            `note: more runs matched than --limit ${report.runs.length}; the oldest were left out`,
          );
      });
    });
}

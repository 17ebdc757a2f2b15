import type { Command } from 'commander';
import { formatDuration } from '../../shared/duration';
import { escapeControlChars } from '../../shared/limits';
import { BatonError } from '../errors';
import type { PhaseStats, StatsReport, TemplateStats } from '../monitor/schemas';
import { print, withApi } from './support';
import { table } from './text';
import { renderRates } from './dispatch-command';

const pct = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value * 100)}%`);
const ms = (value: number | undefined) => (value === undefined ? '—' : formatDuration(value));
const tokens = (u: { inputTokens: number; outputTokens: number }) => String(u.inputTokens + u.outputTokens);
const cost = (u: { costUsd: number }) => (u.costUsd ? `$${u.costUsd.toFixed(4)}` : '-');

function parallelCells(p: PhaseStats): string[] {
  if (!p.parallel) return ['', ''];
  return [
    p.parallel.conflicts
      ? `${pct(p.parallel.autoResolutionRate)} of ${p.parallel.conflicts}`
      : 'no conflicts',
    p.parallel.speedupMedian === undefined ? '—' : `${p.parallel.speedupMedian.toFixed(1)}x`,
  ];
}

function renderTemplate(t: TemplateStats): string {
  const head =
    `${escapeControlChars(t.template)}: ${t.runs} run${t.runs === 1 ? '' : 's'} (${t.completed} completed, ${t.rejected} rejected, ${t.failed} failed, ${t.cancelled} cancelled, ${t.running} running)` +
    `\n  success ${pct(t.successRate)} · duration median ${ms(t.durationMs.medianMs)}, p95 ${ms(t.durationMs.p95Ms)}` +
    ` · human decisions ${t.decisions.human} of ${t.decisions.total} (${pct(t.decisions.humanRate)})` +
    ` · tokens ${tokens(t.usage)} · cost ${cost(t.usage)}`;
  const rows = t.phases.map((p) => [
    p.phase,
    String(p.runs),
    pct(p.successRate),
    ms(p.durationMs.medianMs),
    ms(p.durationMs.p95Ms),
    pct(p.retryRate),
    p.decisions.total ? `${p.decisions.human}/${p.decisions.total}` : '-',
    tokens(p.usage),
    cost(p.usage),
    ...parallelCells(p),
  ]);
  const header = [
    'PHASE',
    'RUNS',
    'SUCCESS',
    'MEDIAN',
    'P95',
    'RETRIES',
    'HUMAN',
    'TOKENS',
    'COST',
    'AUTO-RESOLVED',
    'SPEEDUP',
  ];
  return `${head}\n${table(header, rows).replace(/^/gm, '  ')}`;
}

export function renderStats(report: StatsReport): string {
  const lines = [
    `since ${report.since}${report.template ? ` · template ${escapeControlChars(report.template)}` : ''} · ${report.runsRead} run${report.runsRead === 1 ? '' : 's'} read`,
  ];
  if (report.note) lines.push(`note: ${escapeControlChars(report.note)}`);
  for (const t of report.templates) lines.push('', renderTemplate(t));
  if (report.dispatch)
    lines.push('', 'baton dispatch, success rate per chosen template:', renderRates(report.dispatch));
  return lines.join('\n');
}

/** `baton stats`: figures per template and phase, from visibility and history. */
export function addStatsCommand(program: Command): void {
  program
    .command('stats')
    .description(
      'runs, success rate, durations, human decisions, retries, usage and conflicts per template and phase',
    )
    .option('--since <when>', 'runs started since: a duration back (30d, 12h) or an ISO date', '30d')
    .option('--template <name>', 'only runs of this template')
    .option('--limit <n>', 'read at most this many runs (the newest)', '500')
    .option('--json', 'machine-readable output (see docs/dashboard.md)')
    .action(async (opts) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new BatonError(
          `--limit ${escapeControlChars(String(opts.limit))} is not a whole number from 1 to 10000; for example --limit 500`,
        );
      await withApi(async (api) => {
        const report = await api.stats({ since: opts.since, template: opts.template, limit });
        print(opts.json, report, () => renderStats(report));
      });
    });
}

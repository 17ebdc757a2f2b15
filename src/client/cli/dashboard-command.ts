import type { Command } from 'commander';
import { DURATION_HINT, parseDuration } from '../../shared/duration';
import { escapeControlChars } from '../../shared/limits';
import { createApi, type BatonApi } from '../api';
import { BatonError } from '../errors';
import { renderDashboard, progressLine } from '../monitor/dashboard-render';
import { runLive } from '../monitor/live-screen';
import { checkTemplate } from '../monitor/run-records';
import type { DashboardSnapshot } from '../monitor/schemas';
import { isFinalState } from '../status-query';
import { explain } from './explain';
import { renderStatus } from './format';
import { withApi } from './support';

const INTERVAL = { minMs: 200, maxMs: 3_600_000 } as const;

/** `--interval`: a duration between 200ms and 1h. */
export function parseInterval(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < INTERVAL.minMs || ms > INTERVAL.maxMs)
    throw new BatonError(
      `--interval ${JSON.stringify(escapeControlChars(text.slice(0, 100)))} is not a refresh interval between 200ms and 1h; for example --interval 1s (${DURATION_HINT})`,
    );
  return ms;
}

/** `--eta-runs`: how many past completed runs the ETA medians come from. */
function parseEtaRuns(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new BatonError(
      `--eta-runs ${escapeControlChars(String(text))} is not a whole number from 1 to 100; for example --eta-runs 10`,
    );
  return n;
}

const colorWanted = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

/** The error frame: what is wrong and what to do, while the dashboard keeps trying. */
function errorLines(error: unknown, intervalMs: number, width: number): string[] {
  const { message, hint } = explain(error);
  return [
    'baton dashboard',
    '',
    `error: ${message}`,
    ...(hint ? hint.split('\n').map((l) => `  ${l}`) : []),
    '',
    `retrying every ${intervalMs / 1000}s · q or Ctrl-C to quit`,
  ].map((l) => escapeControlChars(l).slice(0, width));
}

/** `baton dashboard`: every active run, redrawn in place; `--json`: one snapshot. */
export function addDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('live view of every active run: stage, agents, progress, ETA, approvals, conflicts')
    .option('--template <name>', 'only runs of this template')
    .option('--interval <duration>', 'refresh interval', '1s')
    .option('--eta-runs <n>', 'past completed runs per template the ETA medians come from', '10')
    .option('--limit <n>', 'at most this many runs', '200')
    .option('--once', 'draw one frame and exit (for scripts)')
    .option('--json', 'print one snapshot as JSON (see docs/dashboard.md) and exit')
    .action(async (opts) => {
      const intervalMs = parseInterval(String(opts.interval));
      const etaRuns = parseEtaRuns(String(opts.etaRuns));
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new BatonError(
          `--limit ${escapeControlChars(String(opts.limit))} is not a whole number from 1 to 1000; for example --limit 200`,
        );
      const input = { template: opts.template as string | undefined, etaRuns, limit };
      if (opts.json)
        return withApi(async (api) => console.log(JSON.stringify(await api.dashboard(input), null, 2)));
      await liveDashboard(input, intervalMs, Boolean(opts.once));
    });
}

async function liveDashboard(
  input: { template?: string; etaRuns: number; limit: number },
  intervalMs: number,
  once: boolean,
): Promise<void> {
  let api: BatonApi = createApi();
  // Checked once before the screen is taken: a bad --template is an error, not a frame.
  if (input.template !== undefined) checkTemplate(input.template);
  let last: DashboardSnapshot | undefined;
  const keys = `every ${intervalMs / 1000}s · q or Ctrl-C to quit`;
  try {
    await runLive({
      alternate: true,
      intervalMs,
      once,
      frame: async (width) => {
        try {
          last = await api.dashboard(input);
          return renderDashboard(last, { width, color: colorWanted(), status: keys });
        } catch (error) {
          // A client whose connection failed stays failed: the next frame gets a new one.
          const broken = api;
          api = createApi();
          await broken.close().catch(() => undefined);
          return errorLines(error, intervalMs, width);
        }
      },
    });
  } finally {
    await api.close();
  }
}

/**
 * `status --watch`: the status with a progress bar and the ETA, until the run ends. On a terminal
 * it redraws in place from the top of the screen; into a pipe it prints a status when it changed.
 * `--json` prints one status per refresh, with its ETA.
 */
export async function watchStatus(api: BatonApi, id: string, json?: boolean): Promise<void> {
  if (json) {
    for (;;) {
      const { status, eta } = await api.progress({ id });
      console.log(JSON.stringify({ ...status, eta }));
      if (isFinalState(status.state)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  let ended = false;
  await runLive({
    alternate: false,
    intervalMs: 1000,
    done: () => ended,
    frame: async () => {
      const { status, eta } = await api.progress({ id });
      ended = isFinalState(status.state);
      return [
        progressLine(status.progress, ended ? undefined : eta),
        ...renderStatus(id, status).split('\n'),
      ];
    },
  });
}

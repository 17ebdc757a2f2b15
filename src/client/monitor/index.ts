/**
 * The monitor's part of the client API: a dashboard snapshot, a run's progress with its ETA, and
 * the stats. The CLI's `dashboard`, `status --watch` and `stats` call these; a web console can too.
 * Inputs are checked here, before anything connects.
 */
import type { z } from 'zod';
import { fieldMessage } from '../../shared/messages';
import type { RunStatus } from '../../shared/status';
import type { Baton } from '../connect';
import { InvalidInputError } from '../errors';
import { checkRunIdArg } from '../inputs';
import { getStatus } from '../run-info';
import { listTemplates } from '../templates';
import { dashboardSnapshot } from './dashboard-data';
import { DEFAULT_ETA_RUNS, runEta } from './eta';
import { readStats, statsQuery } from './history-stats';
import { checkTemplate } from './run-records';
import {
  DashboardInputSchema,
  StatsInputSchema,
  type DashboardInput,
  type DashboardSnapshot,
  type EtaValue,
  type StatsInput,
  type StatsReport,
} from './schemas';

export * from './schemas';
export { estimate, phaseMedians, type PhaseMedians } from './eta';
export { computeStats } from './history-stats';
export { sortRuns } from './dashboard-data';

export interface RunProgress {
  status: RunStatus;
  eta: EtaValue;
}

export interface MonitorApi {
  /** Every active run with its stage, agents, progress, ETA, open gates and conflicts; a person's first. */
  dashboard(input?: DashboardInput): Promise<DashboardSnapshot>;
  /** A run's status and its ETA from the medians of its template's recent completed runs. */
  progress(input: { id: string; etaRuns?: number }): Promise<RunProgress>;
  /** Runs, success, durations, decisions, retries, usage and conflicts per template and phase. */
  stats(input?: StatsInput): Promise<StatsReport>;
}

function parse<S extends z.ZodType>(schema: S, input: unknown, operation: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    `Invalid input to ${operation}: ${parsed.error.issues.map(fieldMessage).join('; ')}`,
    { hint: `See the ${operation} input schema in src/client/monitor/schemas.ts.` },
  );
}

/** Why a template filter found nothing: no such template, or none of its runs is active. */
async function emptyNote(template: string): Promise<string> {
  const known = await listTemplates().catch(() => []);
  if (known.some((t) => t.name === template)) return `no active run of template "${template}"`;
  const names = known.map((t) => t.name).join(', ');
  return `no active run of "${template}", and no template has that name${names ? ` (templates: ${names})` : ''}; runs from a definition file go by the definition's name`;
}

/** The monitor operations over a lazily opened connection. */
export function monitorApi(baton: () => Promise<Baton>): MonitorApi {
  return {
    async dashboard(input = {}) {
      const parsed = parse(DashboardInputSchema, input, 'dashboard');
      if (parsed.template !== undefined) checkTemplate(parsed.template);
      const snapshot = await dashboardSnapshot(await baton(), parsed);
      if (snapshot.runs.length === 0 && parsed.template !== undefined)
        return { ...snapshot, note: await emptyNote(parsed.template) };
      return snapshot;
    },
    async progress({ id, etaRuns = DEFAULT_ETA_RUNS }) {
      checkRunIdArg(id);
      const open = await baton();
      const status = await getStatus(open, id);
      const eta = await runEta(open, status, { n: etaRuns });
      return { status, eta };
    },
    async stats(input = {}) {
      const { since, template, limit } = parse(StatsInputSchema, input, 'stats');
      if (template !== undefined) checkTemplate(template);
      const query = statsQuery({ since, template });
      return readStats(await baton(), { ...query, template, limit });
    },
  };
}

/**
 * Baton schedules on Temporal Schedules (issue 11): the schedule id is the name the user gave, so
 * `temporal schedule list` and the Web UI show the same one. The action starts `pipeline` with the
 * input `baton start` would send, prepared and checked at create time (never at 6 am).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleOverlapPolicy } from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { escapeControlChars } from '../shared/limits';
import { WORKFLOW_TYPE } from '../shared/messages';
import { BatonTemplate } from '../shared/search-attributes';
import type { Baton } from './connect';
import { BatonError } from './errors';
import { endedState, handleOf } from './run-info';
import { prepareRun } from './runs';

/** The CLI's overlap names → Temporal's policies. */
export const OVERLAP_POLICIES = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
} as const satisfies Record<string, ScheduleOverlapPolicy>;
export type OverlapName = keyof typeof OVERLAP_POLICIES;

/** Letters, digits, `.`, `_`, `-`: the name is also the runs' workflow id prefix. */
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const CRON_FIELDS = 'minute hour day-of-month month day-of-week';

export const ScheduleCreateInputSchema = z.object({
  name: z.string(),
  template: z.string().optional(),
  file: z.string().optional(),
  cron: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  autoApprove: z.boolean().optional(),
  overlap: z.string().optional(),
  timezone: z.string().optional(),
  skipAgentCheck: z.boolean().optional(),
});
export type ScheduleCreateInput = z.input<typeof ScheduleCreateInputSchema>;

export interface ScheduleListing {
  name: string;
  template?: string;
  cron?: string;
  timezone?: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  lastRun?: { workflowId: string; at: string; state: string };
}

/** The name rule; the schedule name is the Temporal schedule id. */
export function checkScheduleName(name: string): void {
  if (!SCHEDULE_NAME.test(name))
    throw new BatonError(
      `schedule name ${JSON.stringify(escapeControlChars(name))} is not allowed: use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit (for example nightly-sdlc)`,
    );
}

/**
 * Five fields (Temporal also takes seconds and years, which would be read as another schedule than
 * the one the user meant) or an @alias, each in range: cron-parser says which value is wrong.
 */
export function checkCron(cron: string, timezone?: string): void {
  const text = cron.trim();
  const fields = text.split(/\s+/).filter(Boolean);
  const fix = `use five fields (${CRON_FIELDS}), for example --cron "0 6 * * 1-5"`;
  if (!text.startsWith('@') && fields.length !== 5)
    throw new BatonError(
      `--cron ${JSON.stringify(escapeControlChars(cron))} has ${fields.length} field${fields.length === 1 ? '' : 's'}; ${fix}`,
    );
  try {
    CronExpressionParser.parse(text, timezone ? { tz: timezone } : {});
  } catch (error) {
    throw new BatonError(
      `--cron ${JSON.stringify(escapeControlChars(cron))} is not a cron expression: ${(error as Error).message}; ${fix}`,
    );
  }
}

function checkTimezone(timezone: string | undefined): void {
  if (timezone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new BatonError(
      `--timezone ${JSON.stringify(escapeControlChars(timezone))} is not an IANA time zone; use one such as Europe/Paris or UTC`,
    );
  }
}

function overlapOf(name: string | undefined): ScheduleOverlapPolicy {
  const overlap = name ?? 'skip';
  if (!(overlap in OVERLAP_POLICIES))
    throw new BatonError(
      `--overlap ${JSON.stringify(escapeControlChars(overlap))} is not a policy; use one of ${Object.keys(OVERLAP_POLICIES).join(', ')} (default skip)`,
    );
  return OVERLAP_POLICIES[overlap as OverlapName];
}

/** Everything a create sends, checked without a server: name, cron, zone, overlap, template, params. */
export async function prepareSchedule(input: ScheduleCreateInput) {
  const parsed = ScheduleCreateInputSchema.parse(input);
  checkScheduleName(parsed.name);
  checkTimezone(parsed.timezone);
  checkCron(parsed.cron, parsed.timezone);
  const overlap = overlapOf(parsed.overlap);
  const prepared = await prepareRun({
    ...(parsed.file !== undefined ? { file: parsed.file } : { template: parsed.template }),
    params: parsed.params ?? {},
    approvalMode: parsed.autoApprove ? 'auto' : 'manual',
    skipAgentCheck: parsed.skipAgentCheck,
  });
  return { ...parsed, overlap, prepared };
}

/** Creates the schedule; a taken name is refused, naming the existing one. */
export async function createSchedule(baton: Baton, input: ScheduleCreateInput): Promise<ScheduleListing> {
  const { name, cron, timezone, overlap, prepared } = await prepareSchedule(input);
  const template = prepared.template ?? prepared.definition.name;
  try {
    await baton.client.schedule.create({
      scheduleId: name,
      spec: { cronExpressions: [cron.trim()], ...(timezone ? { timezone } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPE,
        // Temporal appends the scheduled time: `<name>-2026-12-02T06:00:00Z`.
        workflowId: name,
        taskQueue: baton.taskQueue,
        args: [prepared.input],
        typedSearchAttributes: [{ key: BatonTemplate, value: template }],
        staticSummary: prepared.staticSummary,
        ...(prepared.staticDetails ? { staticDetails: prepared.staticDetails } : {}),
      },
      policies: { overlap },
      memo: { batonTemplate: template, cron: cron.trim(), ...(timezone ? { timezone } : {}) },
    });
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning)
      throw new BatonError(
        `A schedule named "${name}" already exists; pick another name, or delete it first (baton schedule delete ${name}).`,
        { cause: error },
      );
    throw error;
  }
  return describeSchedule(baton, name);
}

const handleFor = (baton: Baton, name: string) => {
  checkScheduleName(name);
  return baton.client.schedule.getHandle(name);
};

/** Runs `fn`, turning Temporal's not-found into a message that names the schedule and the fix. */
async function known<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError)
      throw new BatonError(`No schedule named "${name}"; see \`baton schedule list\` for the names.`, {
        cause: error,
      });
    throw error;
  }
}

async function lastRunOf(
  baton: Baton,
  actions: { takenAt: Date; action: { workflow: { workflowId: string } } }[],
): Promise<ScheduleListing['lastRun']> {
  const last = actions.at(-1);
  if (!last) return undefined;
  const workflowId = last.action.workflow.workflowId;
  const description = await handleOf(baton, workflowId)
    .describe()
    .catch(() => undefined);
  const ended = description && (await endedState(baton, workflowId, description));
  return { workflowId, at: last.takenAt.toISOString(), state: ended?.state ?? (description ? 'running' : 'unknown') };
}

export async function describeSchedule(baton: Baton, name: string): Promise<ScheduleListing> {
  const d = await known(name, () => handleFor(baton, name).describe());
  const memo = (d.memo ?? {}) as { batonTemplate?: string; cron?: string; timezone?: string };
  return {
    name,
    template: memo.batonTemplate,
    cron: memo.cron,
    ...(memo.timezone ? { timezone: memo.timezone } : {}),
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    lastRun: await lastRunOf(baton, d.info.recentActions),
  };
}

/** Every schedule whose action starts `pipeline` (other schedules in the namespace are not Baton's). */
export async function listSchedules(baton: Baton): Promise<ScheduleListing[]> {
  const names: string[] = [];
  for await (const s of baton.client.schedule.list())
    if (s.action?.workflowType === WORKFLOW_TYPE) names.push(s.scheduleId);
  // The list comes from visibility, which lags: a schedule deleted a moment ago can still be
  // listed, and its describe then finds nothing. Such a schedule is gone, so it is left out.
  const described = await Promise.all(
    names.sort().map((name) =>
      describeSchedule(baton, name).catch((error: unknown) => {
        if (error instanceof BatonError && error.cause instanceof ScheduleNotFoundError) return undefined;
        throw error;
      }),
    ),
  );
  return described.filter((s): s is ScheduleListing => s !== undefined);
}

export async function pauseSchedule(baton: Baton, name: string, note?: string): Promise<void> {
  await known(name, () => handleFor(baton, name).pause(note ?? 'paused with baton schedule pause'));
}

export async function unpauseSchedule(baton: Baton, name: string): Promise<void> {
  await known(name, () => handleFor(baton, name).unpause('unpaused with baton schedule unpause'));
}

/** Starts one run now (the overlap policy still applies). */
export async function triggerSchedule(baton: Baton, name: string): Promise<void> {
  await known(name, () => handleFor(baton, name).trigger());
}

export async function deleteSchedule(baton: Baton, name: string): Promise<void> {
  await known(name, () => handleFor(baton, name).delete());
}

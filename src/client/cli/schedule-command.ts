import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import { connect } from '../connect';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  OVERLAP_POLICIES,
  pauseSchedule,
  prepareSchedule,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleListing,
} from '../schedules';
import { collect, definitionOptions, print } from './support';

function renderSchedules(items: ScheduleListing[]): string {
  if (items.length === 0) return 'No schedules. Create one with `baton schedule create <name> <template> --cron "0 6 * * 1-5"`.';
  return items
    .map((s) =>
      [
        `${escapeControlChars(s.name)}  ${s.template ?? '?'}  "${s.cron ?? '?'}"${s.timezone ? ` (${s.timezone})` : ''}${s.paused ? `  PAUSED${s.note ? ` (${escapeControlChars(s.note)})` : ''}` : ''}`,
        `  next: ${s.paused || s.nextRuns.length === 0 ? '-' : s.nextRuns.join(', ')}`,
        `  last: ${s.lastRun ? `${escapeControlChars(s.lastRun.workflowId)} at ${s.lastRun.at}, ${s.lastRun.state}` : '-'}`,
      ].join('\n'),
    )
    .join('\n');
}

/** Connects, runs `fn`, closes. Every argument is checked before this is called. */
async function withBaton<T>(fn: (baton: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
  const baton = await connect();
  try {
    return await fn(baton);
  } finally {
    await baton.close();
  }
}

/** `baton schedule create|list|pause|unpause|trigger|delete`: runs on Temporal Schedules. */
export function addScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description('runs on a cron schedule (Temporal Schedules)');
  schedule
    .command('create')
    .description('create a schedule that starts a run of a template on a cron expression')
    .argument('<name>', 'schedule name: the Temporal schedule id and the runs\' workflow id prefix')
    .argument('[template]', 'template name, see `baton templates`')
    .requiredOption('--cron <expr>', 'five-field cron expression, such as "0 6 * * 1-5"')
    .option('-p, --param <k=v>', 'template param (repeatable)', collect, [])
    .option('-f, --file <path>', 'definition file (.json, .yaml)')
    .option('--auto-approve', 'approve every gate of each run automatically')
    .option('--overlap <policy>', `when a run is still going: ${Object.keys(OVERLAP_POLICIES).join(', ')}`, 'skip')
    .option('--timezone <zone>', 'IANA time zone of the cron expression (default UTC)')
    .option('--skip-agent-check', "don't check agent names against this machine's baton.config")
    .option('--json', 'machine-readable output')
    .action(async (name: string, template: string | undefined, opts) => {
      const input = {
        ...definitionOptions(template, opts),
        name,
        cron: opts.cron as string,
        autoApprove: Boolean(opts.autoApprove),
        overlap: opts.overlap as string,
        timezone: opts.timezone as string | undefined,
      };
      await prepareSchedule(input); // refused here, before connecting, when anything is wrong
      const created = await withBaton((baton) => createSchedule(baton, input));
      print(opts.json, created, () => `Created schedule ${renderSchedules([created])}`);
    });
  schedule
    .command('list')
    .description('schedules: template, cron, next runs, paused, last run and its state')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const items = await withBaton((baton) => listSchedules(baton));
      print(opts.json, items, () => renderSchedules(items));
    });
  schedule
    .command('pause')
    .argument('<name>')
    .option('--note <text>', 'why (shown by list and in the Web UI)')
    .action(async (name: string, opts) => {
      await withBaton((baton) => pauseSchedule(baton, name, opts.note));
      console.log(`Paused ${escapeControlChars(name)}`);
    });
  schedule
    .command('unpause')
    .argument('<name>')
    .action(async (name: string) => {
      await withBaton((baton) => unpauseSchedule(baton, name));
      console.log(`Unpaused ${escapeControlChars(name)}`);
    });
  schedule
    .command('trigger')
    .description('start one run now')
    .argument('<name>')
    .action(async (name: string) => {
      await withBaton((baton) => triggerSchedule(baton, name));
      console.log(`Triggered ${escapeControlChars(name)}; see \`baton schedule list\` for its run`);
    });
  schedule
    .command('delete')
    .description('delete the schedule (its runs go on)')
    .argument('<name>')
    .action(async (name: string) => {
      await withBaton((baton) => deleteSchedule(baton, name));
      console.log(`Deleted ${escapeControlChars(name)}`);
    });
}

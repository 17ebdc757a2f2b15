import type { Command } from 'commander';
import { connect } from '../connect';
import { BatonError } from '../errors';
import { checkRunIdArg } from '../inputs';
import { renderReportMarkdown, runReport } from '../report';

/** `baton report <run> [--markdown|--json]`: a run's summary, for people and CI step summaries. */
export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description("a run's summary: state, phases (duration, attempts, usage), gates, decisions, artifacts, branch/PR")
    .argument('<id>', 'workflow id')
    .option('--markdown', 'GitHub-flavoured Markdown (the default), for $GITHUB_STEP_SUMMARY')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) => {
      if (opts.markdown && opts.json) throw new BatonError('Give --markdown or --json, not both.');
      checkRunIdArg(id);
      const baton = await connect();
      try {
        const report = await runReport(baton, id);
        process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderReportMarkdown(report));
      } finally {
        await baton.close();
      }
    });
}

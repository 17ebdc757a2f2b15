import { Command } from 'commander';
import { addDevCommands } from '../../dev/cli-commands';
import { addAuditCommand } from './audit-command';
import { addCodecCommand } from './codec-command';
import { addDashboardCommand } from './dashboard-command';
import { addDecisionCommands } from './decision-commands';
import { addMcpCommand } from './mcp-command';
import { addMessageCommands } from './message-commands';
import { reportError } from './explain';
import { addPrCommand } from './pr-command';
import { addReportCommand } from './report-command';
import { addRunCommands, addStartCommands } from './run-commands';
import { addStatsCommand } from './stats-command';
import { addDispatchCommand } from './dispatch-command';
import { addScheduleCommand } from './schedule-command';
import { addServeCommand } from './serve-command';

/** The `baton` command line: parses arguments, calls the client API, prints. */
export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Durable AI-agent development pipelines on Temporal')
    .option('--debug', 'print the stack trace of an error')
    .showHelpAfterError('(run with --help for usage)');
  addStartCommands(program);
  addRunCommands(program);
  addDecisionCommands(program);
  addPrCommand(program);
  addAuditCommand(program);
  addDashboardCommand(program);
  addStatsCommand(program);
  addDispatchCommand(program);
  addCodecCommand(program);
  addScheduleCommand(program);
  addReportCommand(program);
  addServeCommand(program);
  addMcpCommand(program);
  addMessageCommands(program);
  addDevCommands(program);
  return program;
}

/**
 * A reader that stops early (`baton status … | head`) closes the pipe; the next write fails with
 * EPIPE. That is the reader's choice, not an error: exit quietly.
 */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/**
 * Runs the CLI. Every failure is printed as `error: <message>` and its hint, never as a stack
 * trace, unless --debug (or BATON_DEBUG=1) asks for the stack.
 */
export async function main(argv = process.argv): Promise<void> {
  const debug = argv.includes('--debug') || Boolean(process.env.BATON_DEBUG);
  exitQuietlyOnClosedStdout();
  const fail = (error: unknown) => {
    reportError(error, debug);
    process.exitCode = 1;
  };
  // A stray rejection from a library must not end the process with a raw stack either.
  process.on('unhandledRejection', fail);
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}

/**
 * The commands a person runs to decide a gate, by gate kind: what a Slack message (and any
 * receiver that reads `message`) shows. The worker cannot know the reader's PATH, so they are
 * written as `npx baton …`, which works in any checkout of the project.
 */

export interface GateCommand {
  /** What the command does, for a person. */
  does: string;
  line: string;
}

/** A shell word: single-quoted when it holds anything a shell would read. */
export const shellWord = (text: string): string =>
  /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

const baton = (action: string, run: string, phase: string, ...args: string[]): string =>
  ['npx baton', action, shellWord(run), shellWord(phase), ...args].join(' ');

type Commands = (run: string, phase: string) => GateCommand[];

const decideApproval: Commands = (run, phase) => [
  { does: 'approve', line: baton('approve', run, phase) },
  { does: 'reject', line: baton('reject', run, phase) },
  { does: 'change the input and rerun', line: baton('modify', run, phase, '--set', 'key=value') },
];

/** Per gate kind; a kind not listed gets the approval gate's commands. */
const GATE_COMMANDS: Record<string, Commands> = {
  approval: decideApproval,
  plan: decideApproval,
  budget: (run, phase) => [
    { does: 'raise the budget', line: baton('modify', run, phase, '--set', 'budget.tokens=N') },
    { does: 'go on over budget', line: baton('approve', run, phase) },
    { does: 'skip the phase', line: baton('skip', run, phase) },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
  conflict: (run, phase) => [
    { does: 'see the conflicting sides', line: ['npx baton status', shellWord(run)].join(' ') },
    {
      does: 'pick a side per file',
      line: baton('modify', run, phase, '--set', shellWord('resolutions={"<file>":"<task>"}')),
    },
    { does: 'after resolving by hand in the integration worktree', line: baton('approve', run, phase) },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
  'task-failed': (run, phase) => [
    { does: 'retry the task', line: baton('retry', run, phase) },
    { does: 'leave the task out', line: baton('skip', run, phase) },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
  failure: (run, phase) => [
    { does: 'run the phase again', line: baton('retry', run, phase) },
    { does: 'change its input and run it again', line: baton('modify', run, phase, '--set', 'key=value') },
    { does: 'skip the phase', line: baton('skip', run, phase) },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
  loop: (run, phase) => [
    { does: 'run another round of iterations', line: baton('retry', run, phase) },
    { does: 'accept the last iteration', line: baton('approve', run, phase) },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
  verify: (run, phase) => [
    { does: 'retry the merge', line: baton('retry', run, phase) },
    {
      does: 'drop a task and merge the rest',
      line: baton('modify', run, phase, '--set', shellWord('drop=["<task>"]')),
    },
    { does: 'end the run', line: baton('reject', run, phase) },
  ],
};

/** The commands that decide a gate of this kind; the first is the one to run in the common case. */
export function gateCommands(kind: string, run: string, phase: string): GateCommand[] {
  return (GATE_COMMANDS[kind] ?? decideApproval)(run, phase);
}

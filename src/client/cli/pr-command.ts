import type { Command } from 'commander';
import { escapeControlChars } from '../../shared/limits';
import { print, withApi } from './support';

/** `baton pr <run>`: push a --repo run's branch and open its pull request. */
export function addPrCommand(program: Command): void {
  program
    .command('pr')
    .description(
      "push a --repo run's branch baton/<run> to its remote and open a pull request (needs GITHUB_TOKEN)",
    )
    .argument('<id>', 'workflow id of a run started with --repo')
    .option('--title <text>', 'the pull request title (default: "Baton: <template> <run>")')
    .option('--draft', 'open it as a draft')
    .option('--remote <name>', 'the remote of your repository to push to', 'origin')
    .option('--base <branch>', "the branch to merge into (default: the repository's default branch)")
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts) =>
      withApi(async (api) => {
        const pr = await api.pr({
          id,
          title: opts.title,
          draft: Boolean(opts.draft),
          remote: opts.remote,
          base: opts.base,
        });
        const url = escapeControlChars(pr.url);
        print(opts.json, pr, () =>
          pr.created
            ? `Opened pull request #${pr.number}: ${url}\n  ${escapeControlChars(pr.branch)} → ${escapeControlChars(pr.base)} of ${escapeControlChars(pr.repository)}`
            : `A pull request for ${escapeControlChars(pr.branch)} already exists: ${url}\n  (the branch was pushed, so it shows the run's latest work)`,
        );
      }),
    );
}

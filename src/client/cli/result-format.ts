import type { RunStatus } from '../../shared/status';
import { safe } from './text';

/**
 * Where the run's work is, the three ways a user gets it: the branch of their repository
 * (`--repo`), the exported directory (`--out`), and the run's workspace, which every run has.
 */
export function resultLines(status: Pick<RunStatus, 'result' | 'state'>): string[] {
  const result = status.result;
  if (!result) return [];
  const ended = status.state === 'completed' || status.state === 'failed' || status.state === 'rejected';
  const lines = ['', 'Result:'];
  if (result.branch) {
    const { name, repo, base, commit } = result.branch;
    lines.push(
      `  branch:    ${safe(name)} in ${safe(repo)} (on top of ${safe(base)} ${safe(commit.slice(0, 10))})`,
      `             git -C ${safe(repo)} log --oneline ${safe(commit.slice(0, 10))}..${safe(name)}`,
    );
  }
  if (result.out) {
    lines.push(
      result.out.files === undefined
        ? `  export:    ${safe(result.out.dir)} (${ended ? 'not written' : 'written when the run completes'})`
        : `  exported:  ${safe(result.out.dir)} (${result.out.files} files)`,
    );
  }
  lines.push(`  workspace: ${safe(result.workspace)} (branch main, on the worker's machine)`);
  return lines;
}

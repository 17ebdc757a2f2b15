/**
 * What the run page reads beyond status: the run's audit records (for the timeline), the diff of a
 * phase's commit from the run's workspace when it is on this machine, and the agents' input schemas.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { BatonApi } from '../../client/api';
import type { AuditEntry } from '../../client/audit/schema';
import type { RunStatus } from '../../shared/status';

const run = promisify(execFile);

/** At most this much of a diff is read and shown. */
const DIFF_BYTES = 400_000;

export async function auditEntries(api: BatonApi, id: string): Promise<AuditEntry[] | undefined> {
  try {
    return (await api.audit({ id })).entries;
  } catch {
    return undefined;
  }
}

/**
 * `git show` of the phase's commit in the run's workspace (status `result.workspace`), when that
 * repository is on this machine; undefined otherwise. The commit is checked to be a hex id first.
 */
export async function phaseDiff(status: RunStatus, phaseId: string): Promise<string | undefined> {
  const phase = status.phases.find((p) => p.id === phaseId);
  const workspace = status.result?.workspace;
  if (!phase?.commit || !workspace || !/^[0-9a-f]{7,64}$/.test(phase.commit)) return undefined;
  if (!(await stat(workspace).then((s) => s.isDirectory(), () => false))) return undefined;
  try {
    const { stdout } = await run('git', ['-C', workspace, 'show', '--no-color', '--stat', '--patch', '--format=commit %H%n%s%n', phase.commit], {
      maxBuffer: DIFF_BYTES * 4,
      timeout: 10_000,
    });
    return stdout.length > DIFF_BYTES ? `${stdout.slice(0, DIFF_BYTES)}\n… (cut)` : stdout;
  } catch {
    return undefined;
  }
}

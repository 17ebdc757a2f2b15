/**
 * The dev server's latency settings. Measured with `npm run bench` (bench/README.md, "Decision
 * latency"): without them, most of a person's wait after approving is the server's own path from
 * the workflow scheduling the agent's activity to a worker polling it.
 *
 * - Eager activity execution: when the workflow task that schedules an activity completes, the
 *   server hands the activity straight back to the same worker in its reply, instead of writing a
 *   transfer task, dispatching it to matching and waiting for a poller. Off by default in the
 *   server; the SDK worker already asks for it (`allowEagerDispatch` is on by default).
 * - SQLite in WAL mode with `synchronous=NORMAL`: each history write appends to the log without
 *   an fsync of the database file. A SIGKILL of the server loses nothing (the WAL is in the page
 *   cache and replayed on open); only a power cut can lose the last transactions, which is the
 *   dev server's trade (use Temporal on PostgreSQL, docs/postgres.md, where that matters).
 *
 * `BATON_DEV_SERVER_TUNING=0` turns them off (to measure the difference, or to rule them out).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'system.enableActivityEagerExecution': 'true',
};

export const DEV_SERVER_SQLITE_PRAGMAS: Readonly<Record<string, string>> = {
  journal_mode: 'wal',
  synchronous: 'NORMAL',
};

/** The `temporal server start-dev` flags for the settings above, unless the environment turns them off. */
export function devServerTuningArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const flag = env.BATON_DEV_SERVER_TUNING?.trim();
  if (flag !== undefined && flag !== '' && !['0', '1', 'true', 'false'].includes(flag)) {
    throw new Error(
      `BATON_DEV_SERVER_TUNING=${JSON.stringify(flag)} is not valid: set it to 0 (or false) to turn the dev server's latency settings off, or 1 (or unset it) to keep them.`,
    );
  }
  if (flag === '0' || flag === 'false') return [];
  return [
    ...Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${v}`]),
    ...Object.entries(DEV_SERVER_SQLITE_PRAGMAS).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]),
  ];
}

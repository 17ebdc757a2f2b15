import { homedir } from 'node:os';
import { join } from 'node:path';

/** Baton's data directory on this machine: workspaces, artifacts, the dev server's db. */
export function batonHome(): string {
  return process.env.BATON_HOME ?? join(homedir(), '.baton');
}

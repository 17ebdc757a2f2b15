/** The run's git repository and the phases' worktrees: paths, commits, merges, and their activities. */
export { createWorkspaceActivities, type WorkspaceActivities } from './activities';
export { branchOf, insideRoot, workspaceDirName, workspaceOf, worktreeOf } from './paths';
export { exportTree } from './export';
export { cloneUserRepo, publishBranch } from './user-repo';
export {
  changedIn,
  commitPhase,
  ensureRepository,
  findPhaseCommit,
  readAtCommit,
  resultPath,
  type ChangedFile,
  type PhaseKey,
} from './repository';

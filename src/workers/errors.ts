import { HintedError } from '../shared/hinted-error';

/**
 * A worker could not start for a reason the user can fix. `hint` says how; the CLI prints the
 * message, then the hint. (Workers never import the client, so this is the worker's own class.)
 */
export class WorkerSetupError extends HintedError {
  override name = 'WorkerSetupError';
}

import type { Env } from '../../config/schema';

/** What every sink's delivery gets besides the sink and the event. */
export interface SinkContext {
  /** The worker's environment (webhook secrets). */
  env: Env;
  /** The activity's cancellation. */
  signal: AbortSignal;
}

/**
 * The one heartbeat helper. Long work reports progress through `beat()`; a timer keeps sending the
 * latest details while the work is quiet, so an activity whose agent forgets to report (or a
 * command that prints nothing for minutes) still shows Temporal it is alive.
 */

export interface HeartbeatOptions {
  /** Send at least this often, even when nothing was reported. */
  everyMs: number;
  /** Send at most this often; a beat inside the window is sent when it ends. 0: send every beat. */
  minMs?: number;
}

export interface Heartbeat {
  /** Reports progress: sends `details()` now, or once `minMs` has passed since the last send. */
  beat(): void;
  stop(): void;
}

/** Starts heartbeating `details()` through `send`; call `stop()` when the work settles. */
export function startHeartbeat(
  send: (details: unknown) => void,
  details: () => unknown,
  { everyMs, minMs = 0 }: HeartbeatOptions,
): Heartbeat {
  let last = 0;
  let pending = false;
  const flush = () => {
    last = Date.now();
    pending = false;
    send(details());
  };
  const tickMs = minMs > 0 ? Math.max(50, minMs / 4) : everyMs;
  const timer = setInterval(() => {
    const since = Date.now() - last;
    // Half a tick of slack: an interval that fires a millisecond early must not skip a whole period.
    if ((pending && since >= minMs) || since >= everyMs - tickMs / 2) flush();
  }, tickMs);
  return {
    beat() {
      if (Date.now() - last >= minMs) flush();
      else pending = true;
    },
    stop: () => clearInterval(timer),
  };
}

/** How often an activity heartbeats on its own: a third of its heartbeat timeout, from 200 ms to 10 s. */
export function heartbeatEvery(heartbeatTimeoutMs: number | undefined): number {
  return Math.max(200, Math.min(10_000, (heartbeatTimeoutMs ?? 30_000) / 3));
}

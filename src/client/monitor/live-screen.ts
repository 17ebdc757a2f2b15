/**
 * A view redrawn in place: on a terminal it takes the alternate screen, hides the cursor and
 * writes each frame in one write (cursor home, each line cleared to its end, the rest of the screen
 * cleared), so nothing flickers; it restores the screen on exit, on `q` and on Ctrl-C. Into a pipe
 * or a file it writes plain frames, each only when it changed.
 */
const ESC = {
  altScreen: '\x1b[?1049h',
  mainScreen: '\x1b[?1049l',
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
  home: '\x1b[H',
  clearLine: '\x1b[K',
  clearBelow: '\x1b[J',
} as const;

export interface LiveOutput {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  write(text: string): boolean;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface LiveOptions {
  /** The frame's lines for a width (the terminal's, or `fallbackWidth`). */
  frame(width: number): Promise<string[]>;
  intervalMs: number;
  out?: LiveOutput;
  input?: NodeJS.ReadStream;
  /** Draw once and return (the `--once` of scripts and screenshots). */
  once?: boolean;
  /** The alternate screen (dashboard) or the normal one, redrawn from the top (status --watch). */
  alternate: boolean;
  /** Stop when this says so (`status --watch` at the run's end). */
  done?(): boolean;
}

/** One frame as a single write: home, each line then clear-to-end-of-line, then clear below. */
export const inPlace = (lines: string[]): string =>
  ESC.home + lines.map((l) => l + ESC.clearLine).join('\n') + ESC.clearBelow;

/** Runs the view until `q`, Ctrl-C, SIGINT/SIGTERM or `done()`. */
export async function runLive(options: LiveOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const input = options.input ?? process.stdin;
  const tty = Boolean(out.isTTY) && !options.once;
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const redraw = () => wake?.();
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === 'Q' || key === '\x03' || key === '\x1b') stop();
    else redraw();
  };
  const restore = () => {
    if (!tty) return;
    out.write(options.alternate ? ESC.showCursor + ESC.mainScreen : ESC.showCursor);
  };
  // Restored however the process ends: an error thrown below, or exit from elsewhere.
  process.once('exit', restore);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (tty) {
    out.write(
      (options.alternate ? ESC.altScreen : '') + ESC.hideCursor + (options.alternate ? '' : '\x1b[2J'),
    );
    out.on?.('resize', redraw);
    if (input.isTTY) {
      input.setRawMode(true);
      input.resume();
      input.on('data', onKey);
    }
  }
  let last = '';
  try {
    while (!stopped) {
      const lines = await options.frame(tty ? (out.columns ?? 100) : 200);
      if (tty) out.write(inPlace(lines.slice(0, out.rows ?? lines.length)));
      else {
        const text = lines.join('\n');
        if (text !== last) out.write(`${last ? '\n' : ''}${text}\n`);
        last = text;
      }
      if (options.once || options.done?.()) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.intervalMs);
      });
      wake = undefined;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('exit', restore);
    if (tty) {
      out.off?.('resize', redraw);
      if (input.isTTY) {
        input.off('data', onKey);
        input.setRawMode(false);
        input.pause();
      }
    }
    restore();
  }
}

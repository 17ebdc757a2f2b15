/** Short excerpts of program output for failure messages and heartbeats. */

// Coding-agent CLIs and some builds colour their output; messages and heartbeats should not carry the escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The first non-blank lines of a command's output. */
export function firstLines(text: string, count = 12): string {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, count)
    .join('\n');
}

/** The last non-blank lines of a command's output, without colours, at most `chars` long. */
export function lastLines(text: string, count: number, chars = 2_000): string {
  const lines = stripAnsi(text)
    .split(/\r?\n|\r/)
    .filter((line) => line.trim());
  return lines.slice(-count).join('\n').slice(-chars);
}

/** A command's output, bounded: the first and last bytes of each stream, never a split character. */

/** Keeps the first and last bytes of a stream, counting what it drops. */
export function createCapture(limit: number) {
  const headCap = Math.floor(limit / 2);
  const head: Buffer[] = [];
  const tail: Buffer[] = [];
  let headLength = 0;
  let tailLength = 0;
  let total = 0;
  return {
    get total() {
      return total;
    },
    push(chunk: Buffer): void {
      total += chunk.length;
      if (headLength < headCap) {
        const taken = chunk.subarray(0, headCap - headLength);
        head.push(taken);
        headLength += taken.length;
        chunk = chunk.subarray(taken.length);
      }
      if (chunk.length === 0) return;
      tail.push(chunk);
      tailLength += chunk.length;
      while (tail.length > 1 && tailLength - tail[0]!.length >= limit - headCap) {
        tailLength -= tail.shift()!.length;
      }
    },
    /** The text, or its first and last `keep` bytes around a marker (`keep` at most the capture's limit). */
    render(keep = limit): { text: string; truncated: boolean } {
      const first = Buffer.concat(head);
      const last = Buffer.concat(tail);
      const whole = first.length + last.length === total ? Buffer.concat([first, last]) : undefined;
      if (whole && total <= keep) return { text: whole.toString('utf8'), truncated: false };
      const start = (whole ?? first).subarray(0, charBoundary(whole ?? first, Math.floor(keep / 2), -1));
      const rest = whole ?? last;
      const end = rest.subarray(
        charBoundary(rest, Math.max(0, rest.length - (keep - Math.floor(keep / 2))), 1),
      );
      const omitted = total - start.length - end.length;
      return {
        text: `${start.toString('utf8')}\n[… ${omitted} bytes omitted …]\n${end.toString('utf8')}`,
        truncated: true,
      };
    },
  };
}

/** Moves a cut off UTF-8 continuation bytes so no character is split. */
function charBoundary(buffer: Buffer, index: number, direction: 1 | -1): number {
  while (index > 0 && index < buffer.length && (buffer[index]! & 0xc0) === 0x80) index += direction;
  return index;
}

/** Splits `maxOutputBytes` between stdout and stderr: a quiet stream leaves its share to the other. */
export function shares(a: number, b: number, max: number): [number, number] {
  const half = Math.floor(max / 2);
  if (a + b <= max) return [max, max];
  if (a <= half) return [a, max - a];
  if (b <= half) return [max - b, b];
  return [half, max - half];
}

import { condition } from '@temporalio/workflow';

/**
 * At most `size` holders at once; the rest wait in the order they asked. A waiter whose scope is
 * cancelled leaves the line (condition() is cancellable), so no slot is lost to it.
 */
export function createSemaphore(size: number) {
  let free = size;
  let tickets = 0;
  const line: number[] = [];
  return {
    async acquire(): Promise<void> {
      const me = tickets++;
      line.push(me);
      try {
        await condition(() => free > 0 && line[0] === me);
      } catch (error) {
        line.splice(line.indexOf(me), 1);
        throw error;
      }
      line.shift();
      free -= 1;
    },
    release(): void {
      free += 1;
    },
  };
}

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingFlag } from '../../src/workers/tuning';

const run = promisify(execFile);
const churn = fileURLToPath(new URL('./fixtures/heap-churn.ts', import.meta.url));

/** The largest heap a worker thread reached churning garbage, in a process with this setting. */
async function peakHeapMb(setting: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', churn], {
    env: { ...process.env, BATON_HEAP_GROWING_PERCENT: setting },
  });
  return Number(stdout.trim());
}

describe("the worker's heap growing factor", () => {
  it('reads BATON_HEAP_GROWING_PERCENT: a V8 flag by default, none for 0, a clear error otherwise', () => {
    expect(heapGrowingFlag({})).toBe(`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`);
    expect(heapGrowingFlag({ BATON_HEAP_GROWING_PERCENT: ' ' })).toBe(
      `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`,
    );
    expect(heapGrowingFlag({ BATON_HEAP_GROWING_PERCENT: '20' })).toBe('--heap-growing-percent=20');
    expect(heapGrowingFlag({ BATON_HEAP_GROWING_PERCENT: '0' })).toBeUndefined();
    for (const bad of ['lots', '-3', '2.5', '5000'])
      expect(() => heapGrowingFlag({ BATON_HEAP_GROWING_PERCENT: bad })).toThrow(
        `BATON_HEAP_GROWING_PERCENT="${bad}" is not a percentage`,
      );
  });

  it('keeps a worker thread started after it near its live data, where V8 alone lets garbage pile up', async () => {
    // Same allocations in both processes: 50 blocks live, replaced one by one, garbage in between.
    const [own, set] = await Promise.all([peakHeapMb('0'), peakHeapMb(String(DEFAULT_HEAP_GROWING_PERCENT))]);
    expect(own / set, `peak heap with V8's own factor ${own} MB, with the setting ${set} MB`).toBeGreaterThan(
      1.4,
    );
  }, 60_000);
});

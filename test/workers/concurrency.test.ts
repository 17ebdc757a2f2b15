import { describe, expect, it } from 'vitest';
import { checkConcurrency } from '../../src/workers/concurrency';
import { cli } from '../client/cli-helpers';

describe('baton worker --concurrency', () => {
  it('takes a whole number of phases and refuses anything else, naming the flag and the fix', () => {
    expect(checkConcurrency('1')).toBe(1);
    expect(checkConcurrency(' 16 ')).toBe(16);
    for (const bad of ['0', '-2', '1.5', 'many', '', '10001'])
      expect(() => checkConcurrency(bad)).toThrow(`--concurrency "${bad}" is not a number of phases`);
  });

  it('the CLI refuses a bad value before it connects anywhere', async () => {
    const { baton } = cli({ taskQueue: 'concurrency-flag', workspaceRoot: '/tmp' });
    const result = await baton(['worker', '--concurrency', '0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--concurrency "0" is not a number of phases');
    expect(result.stderr).toContain('baton worker --concurrency 4');
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/client/api';
import { InvalidInputError } from '../../src/client/errors';
import { DashboardSnapshotSchema, StatsReportSchema } from '../../src/client/monitor/schemas';
import { useWorker, waitFor } from '../helpers/env';
import { cli, expectCleanError } from '../client/cli-helpers';

const shared = useWorker({ prefix: 'monitor-bad' });
const { baton, json, spawnBaton } = cli(shared);

describe.concurrent('bad inputs to dashboard and stats', { timeout: 120_000 }, () => {
  it.each([
    [
      ['stats', '--since', 'yesterday'],
      '--since "yesterday" is neither a duration nor a date; for example --since 7d',
    ],
    [['stats', '--since', '2999-01-01'], '--since "2999-01-01" is in the future'],
    [['stats', '--limit', '0'], '--limit 0 is not a whole number from 1 to 10000'],
    [['stats', '--template', 'a"b'], 'is not a template name: it cannot be empty or hold quotes'],
    [
      ['dashboard', '--interval', 'fast'],
      '--interval "fast" is not a refresh interval between 200ms and 1h; for example --interval 1s',
    ],
    [['dashboard', '--interval', '50ms'], '--interval "50ms" is not a refresh interval between 200ms and 1h'],
    [['dashboard', '--interval', '2h'], '--interval "2h" is not a refresh interval between 200ms and 1h'],
    [['dashboard', '--eta-runs', '0'], '--eta-runs 0 is not a whole number from 1 to 100'],
    [['dashboard', '--limit', 'many'], '--limit many is not a whole number from 1 to 1000'],
    [['dashboard', '--template', "x'y", '--once'], 'is not a template name'],
  ])('baton %j is refused, naming the value and the fix', async (args, message) => {
    expectCleanError(await baton(args), message);
  });

  it('an unknown template gives an empty dashboard and empty stats, with a note', async () => {
    const snapshot = DashboardSnapshotSchema.parse(
      await json(['dashboard', '--template', 'no-such-template']),
    );
    expect(snapshot.runs).toEqual([]);
    expect(snapshot.note).toContain(
      'no active run of "no-such-template", and no template has that name (templates: ',
    );
    const report = StatsReportSchema.parse(await json(['stats', '--template', 'no-such-template']));
    expect(report.templates).toEqual([]);
    expect(report.note).toMatch(/^no run of template "no-such-template" started since \d{4}-/);
    const text = await baton(['dashboard', '--template', 'no-such-template', '--once']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('no active run of "no-such-template"');
  });

  it('the API refuses bad input shapes before connecting', async () => {
    const api = createApi({ address: '127.0.0.1:1' });
    await expect(api.dashboard({ etaRuns: 0 })).rejects.toThrow(InvalidInputError);
    await expect(api.stats({ since: 'soon' })).rejects.toThrow(
      '--since "soon" is neither a duration nor a date',
    );
    await expect(api.progress({ id: '' })).rejects.toThrow(/id/i);
    await api.close();
  });

  it('a down server: --json fails with the hint; the live view says so and keeps retrying', async () => {
    const down = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
    expectCleanError(
      await baton(['dashboard', '--json'], down),
      'Cannot reach a Temporal server at 127.0.0.1:1',
      'point TEMPORAL_ADDRESS at a running server',
    );
    const live = spawnBaton(['dashboard', '--interval', '200ms'], down);
    try {
      await waitFor(
        async () => live.output.stdout,
        (out) =>
          out.includes('error: Cannot reach a Temporal server at 127.0.0.1:1') &&
          out.includes('retrying every 0.2s'),
        60_000,
      );
      // Still running after its failed tries: it retries rather than crashing.
      expect(live.child.exitCode).toBeNull();
    } finally {
      live.child.kill('SIGINT');
    }
    expect(await live.exited).toBe(0);
  });
});

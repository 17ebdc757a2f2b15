import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/net';
import { metricsEndpoint } from '../../src/workers/metrics';
import { cli } from '../client/cli-helpers';

describe('BATON_METRICS_ADDRESS', () => {
  it('reads HOST:PORT, a bare port and localhost; unset serves nothing', () => {
    expect(metricsEndpoint({})).toBeUndefined();
    expect(metricsEndpoint({ BATON_METRICS_ADDRESS: '127.0.0.1:9464' })).toEqual({
      bindAddress: '127.0.0.1:9464',
      url: 'http://127.0.0.1:9464/metrics',
    });
    expect(metricsEndpoint({ BATON_METRICS_ADDRESS: '9464' })?.bindAddress).toBe('127.0.0.1:9464');
    expect(metricsEndpoint({ BATON_METRICS_ADDRESS: 'localhost:9464' })?.bindAddress).toBe('127.0.0.1:9464');
    expect(metricsEndpoint({ BATON_METRICS_ADDRESS: '0.0.0.0:9464' })?.url).toBe(
      'http://127.0.0.1:9464/metrics',
    );
    expect(metricsEndpoint({ BATON_METRICS_ADDRESS: '[::1]:9464' })?.bindAddress).toBe('[::1]:9464');
  });

  it.each([
    ['127.0.0.1:99999', 'port "99999"'],
    ['127.0.0.1:', 'port ""'],
    ['127.0.0.1:http', 'port "http"'],
    ['metrics.example.com:9464', 'host "metrics.example.com"'],
    ['::1:9464', 'is not HOST:PORT'],
  ])('refuses %s, naming the variable, the value and the fix', (value, problem) => {
    const error = (() => {
      try {
        metricsEndpoint({ BATON_METRICS_ADDRESS: value });
      } catch (e) {
        return e as Error & { hint?: string };
      }
      return undefined;
    })();
    expect(error?.message).toContain(`BATON_METRICS_ADDRESS="${value}"`);
    expect(error?.message).toContain(problem);
    expect(error?.hint).toContain('127.0.0.1:9464');
  });

  it('`baton worker` refuses a port in use, before connecting anywhere', async () => {
    const port = await freePort();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const { baton } = cli({ taskQueue: 'metrics-port-in-use', workspaceRoot: '/tmp' });
      const result = await baton(['worker'], { BATON_METRICS_ADDRESS: `127.0.0.1:${port}` });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `BATON_METRICS_ADDRESS="127.0.0.1:${port}" is in use by another process`,
      );
      expect(result.stderr).toContain('Pick a free port');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 60_000);
});

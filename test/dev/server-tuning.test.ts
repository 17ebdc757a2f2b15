import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/net';
import { startDevServer } from '../../src/dev/server';
import { devServerTuningArgs } from '../../src/dev/server-tuning';

describe("the dev server's latency settings", () => {
  it('turn on eager activities and SQLite WAL, unless BATON_DEV_SERVER_TUNING=0', () => {
    const args = devServerTuningArgs({});
    expect(args).toEqual([
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=NORMAL',
    ]);
    expect(devServerTuningArgs({ BATON_DEV_SERVER_TUNING: '1' })).toEqual(args);
    expect(devServerTuningArgs({ BATON_DEV_SERVER_TUNING: '0' })).toEqual([]);
    expect(devServerTuningArgs({ BATON_DEV_SERVER_TUNING: 'false' })).toEqual([]);
  });

  it('refuse a BATON_DEV_SERVER_TUNING they do not know, naming it and the values it takes', () => {
    expect(() => devServerTuningArgs({ BATON_DEV_SERVER_TUNING: 'off' })).toThrow(
      /BATON_DEV_SERVER_TUNING="off" is not valid: set it to 0 \(or false\).*or 1/,
    );
  });

  it('reach the server: its database is in WAL mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-server-tuning-'));
    const dbFile = join(dir, 'temporal.db');
    const server = await startDevServer({ port: await freePort(), dbFile, headless: true });
    try {
      // SQLite keeps a `-wal` file next to the database only in WAL mode.
      await expect(access(`${dbFile}-wal`)).resolves.toBeUndefined();
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/net';
import { DevServerError, startDevServer } from '../../src/dev/server';
import { ensureTemporalCli } from '../../src/dev/temporal-cli';

/**
 * The real Temporal CLI behind a shell script that makes its first `failures` starts die the way a
 * start dies when another process takes one of the ports the CLI picked for itself (the panic line
 * is the CLI's own), or with `line` when given.
 */
async function flakyCli(dir: string, failures: number, line?: string): Promise<string> {
  const real = await ensureTemporalCli();
  if (!real) throw new Error('no Temporal CLI to wrap');
  const script = join(dir, 'temporal');
  const count = join(dir, 'starts');
  const panic =
    line ??
    'panic: failed assigning ephemeral port: failed to assign a free port: listen tcp 127.0.0.1:0: bind: address already in use';
  await writeFile(
    script,
    [
      '#!/bin/sh',
      `n=$(cat '${count}' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '${count}'`,
      `if [ "$n" -le ${failures} ]; then echo '${panic}' >&2; echo 'goroutine 1 [running]:' >&2; exit 2; fi`,
      `exec '${real}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(script, 0o755);
  return script;
}

const starts = async (dir: string) => Number(await readFile(join(dir, 'starts'), 'utf8'));

describe('starting the dev server', () => {
  let dir: string;
  const saved = process.env.TEMPORAL_CLI;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-server-start-'));
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.TEMPORAL_CLI;
    else process.env.TEMPORAL_CLI = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('starts again when the server dies of a port clash while it starts, and says so', async () => {
    process.env.TEMPORAL_CLI = await flakyCli(dir, 1);
    const lines: string[] = [];
    const server = await startDevServer({
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
      headless: true,
      log: (l) => lines.push(l),
    });
    try {
      expect(await starts(dir)).toBe(2);
      expect(lines.join('\n')).toMatch(
        /died while starting \(panic: failed assigning ephemeral port.*\); starting it again \(attempt 2 of 3\)/,
      );
    } finally {
      await server.stop();
    }
  });

  it('gives up after three such starts, naming the cause', async () => {
    process.env.TEMPORAL_CLI = await flakyCli(dir, 99);
    const port = await freePort();
    const error = await startDevServer({ port, dbFile: join(dir, 'temporal.db'), headless: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DevServerError);
    expect((error as Error).message).toBe(
      `Temporal dev server failed to start on 127.0.0.1:${port}: the server exited (2) (panic: failed assigning ephemeral port: failed to assign a free port: listen tcp 127.0.0.1:0: bind: address already in use)`,
    );
    expect(await starts(dir)).toBe(3);
  });

  it('does not start again when the server fails for another reason', async () => {
    process.env.TEMPORAL_CLI = await flakyCli(
      dir,
      99,
      'Error: unable to open database file: permission denied',
    );
    const error = await startDevServer({
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
      headless: true,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /the server exited \(2\) \(Error: unable to open database file: permission denied\)$/,
    );
    expect((error as DevServerError).hint).toMatch(/goroutine 1 \[running\]/);
    expect(await starts(dir)).toBe(1);
  });
});

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { findTemporalCli, temporalCommand } from '../../src/dev/temporal-cli';

const BIN = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));
const run = promisify(execFile);

async function baton(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** An executable `temporal` stand-in that echoes what it got and exits 3. */
async function fakeCli(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-fake-temporal-'));
  const file = join(dir, 'temporal');
  await writeFile(file, '#!/bin/sh\nprintf "%s\\n" "$@"\necho "address=$TEMPORAL_ADDRESS"\nexit 3\n');
  await chmod(file, 0o755);
  return file;
}

describe('baton temporal', () => {
  it('runs the Temporal CLI that baton dev uses, against the server TEMPORAL_ADDRESS names', async () => {
    const result = await baton(['temporal', 'workflow', 'list', '--limit', '1', '-o', 'json'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(() => JSON.parse(result.stdout || '[]') as unknown).not.toThrow();
  });

  it('passes every argument through as it is, and the exit code back', async () => {
    const cli = await fakeCli();
    const args = ['workflow', 'show', '--help', '-w', 'a b', '--version', '--address', 'h:1'];
    const result = await baton(['temporal', ...args], { TEMPORAL_CLI: cli, TEMPORAL_ADDRESS: 'x:9' });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(`${args.join('\n')}\naddress=x:9\n`);
  });

  it('reports a failing command of the Temporal CLI with its own exit code', async () => {
    const result = await baton(
      ['temporal', 'workflow', 'describe', '--workflow-id', 'no-such-run-anywhere'],
      { TEMPORAL_ADDRESS: inject('temporalAddress') },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not found/i);
  });
});

describe('the temporal command in hints', () => {
  const saved = {
    PATH: process.env.PATH,
    TEMPORAL_CLI: process.env.TEMPORAL_CLI,
    cache: process.env.BATON_CACHE_DIR,
  };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    for (const [name, value] of [
      ['TEMPORAL_CLI', saved.TEMPORAL_CLI],
      ['BATON_CACHE_DIR', saved.cache],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('is `temporal` when that is on PATH', async () => {
    const cli = await fakeCli();
    process.env.PATH = join(cli, '..');
    delete process.env.TEMPORAL_CLI;
    expect(await temporalCommand()).toBe('temporal');
  });

  it('is the full path of the cached build when temporal is not on PATH', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'baton-cache-'));
    await mkdir(join(cache, 'temporal-cli', 'v1.5.1'), { recursive: true });
    const cached = join(cache, 'temporal-cli', 'v1.5.1', 'temporal');
    await writeFile(cached, '#!/bin/sh\n');
    await chmod(cached, 0o755);
    process.env.PATH = '/nonexistent';
    process.env.BATON_CACHE_DIR = cache;
    delete process.env.TEMPORAL_CLI;
    expect(await findTemporalCli()).toBe(cached);
    expect(await temporalCommand()).toBe(cached);
  });

  it('is `npx baton temporal` when there is no CLI yet', async () => {
    process.env.PATH = '/nonexistent';
    process.env.BATON_CACHE_DIR = await mkdtemp(join(tmpdir(), 'baton-cache-'));
    delete process.env.TEMPORAL_CLI;
    expect(await temporalCommand()).toBe('npx baton temporal');
  });
});

describe('baton dev', () => {
  it('refuses a port that is not one, naming the flag and the value, before starting anything', async () => {
    const result = await baton(['dev', '--ui-port', '8x']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: --ui-port "8x" is not a TCP port; give a whole number from 1 to 65535.',
    );
    expect(result.stdout).toBe('');
  });
});

import { spawn } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultDecider, parsePairs } from '../../src/client/cli/arguments';
import { cli, PATH_WITHOUT_BATON, type CliResult } from './cli-helpers';

// No server: TEMPORAL_ADDRESS points nowhere, so any command that contacted one would say
// "Cannot reach a Temporal server" instead of the message each test expects.
const OFFLINE = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
const { baton: run } = cli({ taskQueue: 'offline', workspaceRoot: tmpdir() });
const baton = (args: string[], env: Record<string, string> = {}) => run(args, { ...OFFLINE, ...env });

/** One `error:` message (and its indented detail), exit 1, no stack trace, no server contacted. */
function expectRefused(result: CliResult, ...parts: string[]) {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('Cannot reach');
  for (const part of parts) expect(result.stderr).toContain(part);
}

async function tempFile(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'baton-cli-')), name);
  await writeFile(file, text);
  return file;
}

const SPEC_PHASE = '  - id: spec\n    agent: api-spec\n    input: { service: orders, resources: orders }\n';

// Many CLI processes at once, on cores shared with the server: give each test room.
describe.concurrent('the baton CLI, before it contacts a server', { timeout: 180_000 }, () => {
  it.each([
    ['an empty id', '', 'cannot be empty'],
    ['a 2,000-character id', 'x'.repeat(2000), 'at most 1000 characters'],
    ['an id with ../', '../../victim', 'cannot contain "/"'],
    ['an id with ..', 'a..b', 'cannot contain ".."'],
    ['an id with a control character', 'run\u001b[2J', 'control characters'],
  ])('refuses %s for --id', async (_what, id, message) => {
    const result = await baton(['start', 'node-express-api', '--id', id]);
    expectRefused(result, '--id: ', message);
    expect(result.stderr).not.toContain('\u001b');
  });

  it('refuses a definition over Temporal’s 2 MB payload limit at once, naming its size and the limit', async () => {
    const big = {
      name: 'big',
      description: 'x'.repeat(5 * 1024 * 1024),
      phases: [{ id: 'a', agent: 'design' }],
    };
    const file = await tempFile('big.json', JSON.stringify(big));
    // Refused before any server is contacted: the address given cannot be reached at all.
    for (const command of ['start', 'validate']) {
      const result = await baton([command, '--file', file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      expectRefused(result, 'The definition is 5.0 MB as JSON', 'payloads over 2.0 MB');
      expect(result.stderr).not.toContain('Cannot reach');
    }
  });

  it('refuses a template together with --file, instead of ignoring one', async () => {
    const file = await tempFile('def.yaml', `name: other\nphases:\n${SPEC_PHASE}`);
    for (const command of ['start', 'validate'])
      expectRefused(
        await baton([command, 'sdlc', '--file', file]),
        'Give a template or --file, not both',
        '"sdlc"',
      );
  });

  it('`validate` checks a template, its params and its agents offline: "valid" and exit 0, or every problem and exit 1', async () => {
    const valid = await baton(['validate', 'node-express-api', '--param', 'service=orders']);
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^valid: node-express-api \(4 phases: spec → codegen → review → build/);
    expect(valid.stdout).toContain('service=orders');

    const params = await baton([
      'validate',
      'node-express-api',
      '--param',
      'servce=x',
      '--param',
      'resourcs=y',
    ]);
    expectRefused(params, 'params.servce: unknown param', 'params.resourcs: unknown param', '2 problems');

    const file = await tempFile(
      'def.yaml',
      `name: checked\nphases:\n${SPEC_PHASE}  - id: later\n    agent: no-such-agent\n    needs: [missing]\n`,
    );
    const definition = await baton(['validate', '--file', file]);
    expectRefused(
      definition,
      'phases[later].agent: unknown agent "no-such-agent"',
      'phases[later].needs[0]: needs "missing", which is not defined',
    );
    const json = await baton(['validate', '--file', file, '--skip-agent-check', '--json']);
    expectRefused(json, 'needs "missing"');
    expect(json.stderr).not.toContain('unknown agent');
  });

  it.each([
    [
      'a newline in --by (a forged decision line)',
      ['--by', 'alice\n  2026-01-01T00:00:00.000Z  codegen: approve by security-team (signal)'],
      ['--by', 'control characters'],
    ],
    ['an escape code in --by', ['--by', 'eve\u001b[2J'], ['--by', 'control characters']],
    ['--by baton:auto', ['--by', 'baton:auto'], ['--by "baton:auto" is reserved', 'sign with your own name']],
    ['--by BATON:timeout', ['--by', 'BATON:timeout'], ['is reserved']],
    [
      'an escape code in --comment',
      ['--by', 'dana', '--comment', 'ok\u001b[2J\u001b[H'],
      ['--comment holds control characters'],
    ],
    [
      'a newline in --comment',
      ['--by', 'dana', '--comment', 'line one\nline two'],
      ['--comment holds control characters'],
    ],
    [
      'a 70,000-character --comment',
      ['--by', 'dana', '--comment', 'x'.repeat(70_000)],
      ['--comment is 70000 characters; the limit is 65536'],
    ],
  ])('refuses a decision that would forge or bloat the record: %s', async (_what, flags, parts) => {
    const result = await baton(['approve', 'some-run', 'spec', ...flags]);
    expectRefused(result, ...parts);
    expect(result.stderr).not.toContain('\u001b');
  });

  it('refuses a reserved name from BATON_USER, naming BATON_USER', async () => {
    expectRefused(
      await baton(['approve', 'some-run', 'spec'], { BATON_USER: 'baton:auto' }),
      'BATON_USER "baton:auto" is reserved',
    );
  });

  it('defaults --by to BATON_USER, then the OS user; never to a made-up name', () => {
    const saved = process.env.BATON_USER;
    try {
      process.env.BATON_USER = 'dana';
      expect(defaultDecider()).toEqual({ by: 'dana', from: 'BATON_USER' });
      delete process.env.BATON_USER;
      expect(defaultDecider()?.by).toBe(userInfo().username);
      expect(defaultDecider()?.by).not.toBe('cli');
    } finally {
      if (saved === undefined) delete process.env.BATON_USER;
      else process.env.BATON_USER = saved;
    }
  });

  it('says on stderr when a --set value that looked like JSON was taken as a string', async () => {
    const result = await baton([
      'modify',
      'some-run',
      'spec',
      '--by',
      'dana',
      '--set',
      'resources={orders',
      '--set',
      'retries=3',
      '--set',
      'name=plain',
    ]);
    expect(result.stderr).toContain('note: --set resources={orders is not valid JSON (');
    expect(result.stderr).toContain('so it was taken as the string "{orders"');
    expect(result.stderr).not.toContain('retries=3');
    expect(result.stderr).not.toContain('name=plain');
    expect(result.stderr).toContain('Cannot reach a Temporal server'); // the note comes first; then it tries to send

    expect(
      parsePairs(['v=1.2.3', 'flag=True', 'q="open', 'n=3', 'ok=true', 's=text'], '--set', true),
    ).toEqual({
      values: { v: '1.2.3', flag: 'True', q: '"open', n: 3, ok: true, s: 'text' },
      notes: [
        expect.stringContaining('v=1.2.3'),
        expect.stringContaining('flag=True'),
        expect.stringContaining('q="open'),
      ],
    });
    expect(() => parsePairs(['__proto__.polluted=1'], '--set', true)).toThrow('is not a usable key');
  });

  it("shows each template's params: name, type, default, required, description", async () => {
    const result = await baton(['templates']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/node-express-api\s+spec → codegen → review → build/);
    expect(result.stdout).toContain('node-express-api params (--param name=value):');
    expect(result.stdout).toMatch(/NAME\s+TYPE\s+DEFAULT\s+REQUIRED\s+DESCRIPTION/);
    expect(result.stdout).toMatch(
      / {2}requirements\s+string\s+A REST API for a todo list.*\s+no\s+What the API is for/,
    );
    const json = JSON.parse((await baton(['templates', '--json'])).stdout) as Array<{
      name: string;
      params: Record<string, unknown>;
    }>;
    expect(json.find((t) => t.name === 'node-express-api')?.params.service).toMatchObject({
      type: 'string',
      default: '',
      required: false,
    });
  });

  it('prints hints that run from where the user is: `npx baton …`, or `baton …` when it is on PATH', async () => {
    const withoutTemplate = await baton(['start']);
    expectRefused(withoutTemplate, '(see `npx baton templates`)');
    const bin = await mkdtemp(join(tmpdir(), 'baton-bin-'));
    await writeFile(join(bin, 'baton'), '#!/bin/sh\n');
    await chmod(join(bin, 'baton'), 0o755);
    const onPath = await baton(['start'], { PATH: `${bin}${delimiter}${PATH_WITHOUT_BATON}` });
    expectRefused(onPath, '(see `baton templates`)');
    expect(onPath.stderr).not.toContain('npx');
  });

  it('prints an unexpected error as one line with a hint, and its stack only with --debug', async () => {
    const env = { BATON_TEMPLATES_DIR: '/nonexistent/baton-templates' };
    const plain = await baton(['templates'], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(
      "error: ENOENT: no such file or directory, scandir '/nonexistent/baton-templates'\n  (run with --debug for the stack trace)\n",
    );
    const debug = await baton(['templates', '--debug'], env);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: ENOENT/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('exits quietly when its stdout is closed (`baton … | head`)', async () => {
    const bin = fileURLToPath(new URL('../../src/client/bin.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'templates'], {
      env: { ...process.env, ...OFFLINE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
